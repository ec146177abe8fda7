"""The charts: every chart on the site is built in Python from querysets, in one module per family.

- ``registry``: the slug -> chart table (``CHARTS``, ``register``, ``build_chart``); start here to find a chart.
- ``frame``: the Chart object a builder returns, and the parts of its frame (table, sources, figure script).
- ``points``: rows of figures -> points and series (bands, breaks, totals computed from parts).
- ``styles`` and ``themes``: colours, dashes and patterns; light and dark themes, preview sizes.
- ``plotting``: Plotly helpers the builders share.
- ``previews``: the chart as PNG/SVG pictures (kaleido with Debian's Chromium).
- Families: ``company`` (a company's requests and national-security bands), ``outcomes`` (what was handed
  over), ``rankings`` (governments ranked), ``comparisons`` (companies compared by request type and country),
  ``disclosures`` (the emergency-disclosure timeline).
"""
