"""The public pages: home, companies, request types and countries (``views``); reports, sources, corrections
and methodology (``provenance``); the emergency-disclosure tracker (``tracker``). Pages only read."""
