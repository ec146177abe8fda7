/* Draws every chart of the page from the Plotly figure the server built (dashboard/charts/),
   sent as JSON in a <script type="application/json"> next to it: no inline code, no CDN.
   Loaded in <head> without defer, so the js class is on <html> before first paint; the rest waits
   for the page. plotly.js is not in the page: this file adds its <script> (the same-origin URL in
   its own data-plotly attribute) only when it is needed. A chart shown as its preview picture
   (templates/charts/_plot.html) is drawn when the reader reaches for it (pointer, touch, keyboard
   focus in its frame); from then on, and for a chart without a picture or whose picture failed,
   each chart is drawn when it comes near the viewport. Colours come from the page (chart-themes).
   Also: dark mode (the reader's system setting, or <html data-theme>), tabs for each chart's
   Chart / Table / Sources / Download / Embed / Cite panels, copy buttons, and filter forms that
   apply as soon as a value changes. Everything works without this file, only less comfortably. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var themes = null; // { light: {...}, dark: {...}, narrow_width } from the page's chart-themes (dashboard.charts.themes)
  var drawn = [];
  var loader = document.currentScript || document.querySelector("script[data-plotly]");
  var PLOTLY_URL = loader ? loader.getAttribute("data-plotly") : null;
  var plotlyLoading = false;
  var waiting = [];

  /* Runs callback once plotly.js is there, adding its <script> the first time it is needed. */
  function withPlotly(callback) {
    if (window.Plotly) {
      callback();
      return;
    }
    waiting.push(callback);
    if (plotlyLoading || !PLOTLY_URL) return;
    plotlyLoading = true;
    var script = document.createElement("script");
    script.src = PLOTLY_URL;
    script.async = true;
    script.addEventListener("load", function () {
      var queue = waiting;
      waiting = [];
      queue.forEach(function (run) { run(); });
    });
    document.head.appendChild(script);
  }

  /* Draws each chart when it comes within 200px of the viewport (a hidden tab's, when it is shown). */
  function drawWhenNear(plots) {
    if (!plots.length) return;
    if (!("IntersectionObserver" in window)) {
      withPlotly(function () { plots.forEach(draw); });
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        withPlotly(function () { draw(entry.target); });
      });
    }, { rootMargin: "200px 0px" });
    plots.forEach(function (plot) { observer.observe(plot); });
  }

  function isDark() {
    var theme = root.getAttribute("data-theme");
    if (theme === "dark") return true;
    if (theme === "light") return false;
    return !!(media && media.matches);
  }

  function copy(value) {
    return JSON.parse(JSON.stringify(value));
  }

  /* The server's layout with the colours of the reader's theme and a tighter fit on a phone
     (dashboard.charts.themes.themed_figure draws the preview pictures the same way). */
  function pageThemes() {
    if (!themes) themes = JSON.parse(document.getElementById("chart-themes").textContent);
    return themes;
  }

  /* Under this width a chart takes its narrow layout (dashboard.charts.themes.NARROW_WIDTH). */
  function isNarrow(width) {
    return width < pageThemes().narrow_width;
  }

  function themed(layout, width, data) {
    var colours = isDark() ? pageThemes().dark : pageThemes().light;
    var out = copy(layout || {});
    var narrow = isNarrow(width);
    out.font = Object.assign({}, out.font, { color: colours.text });
    out.paper_bgcolor = "rgba(0,0,0,0)";
    out.plot_bgcolor = "rgba(0,0,0,0)";
    out.hoverlabel = Object.assign({}, out.hoverlabel, {
      bgcolor: colours.paper,
      bordercolor: colours.muted,
      font: Object.assign({}, (out.hoverlabel || {}).font, { color: colours.text })
    });
    ["xaxis", "yaxis"].forEach(function (name) {
      if (!out[name]) return;
      out[name].gridcolor = colours.grid;
      out[name].zerolinecolor = colours.zero;
      out[name].linecolor = colours.grid;
    });
    (out.annotations || []).forEach(function (note) {
      note.font = Object.assign({}, note.font, { color: colours.muted });
      if (note.bgcolor) note.bgcolor = colours.note;
    });
    (out.shapes || []).forEach(function (shape) {
      if (shape.line) shape.line.color = colours.muted;
    });
    if (narrow) {
      // A phone's legend wraps to about one entry a line: make room for it rather than let it scroll.
      var entries = (data || []).filter(function (trace) { return trace.showlegend !== false; }).length;
      if (entries > 3 && out.height) out.height += 18 * (entries - 3);
      out.margin = Object.assign({}, out.margin, { l: Math.min((out.margin || {}).l || 48, 44), r: 8 });
      out.font.size = 12;
      out.legend = Object.assign({}, out.legend, { font: { size: 11 } });
      if (out.yaxis && out.yaxis.title) out.yaxis.title = Object.assign({}, out.yaxis.title, { text: "" });
    }
    return out;
  }

  var CONFIG = { responsive: true, displayModeBar: false, displaylogo: false, scrollZoom: false };

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source || !window.Plotly || element.dataDemandsFigure) return;
    var figure = JSON.parse(source.textContent);
    element.dataDemandsFigure = figure;
    var preview = element.querySelector(".chart-preview");
    if (preview) preview.remove();
    window.Plotly.newPlot(element, figure.data, themed(figure.layout, element.clientWidth, figure.data), CONFIG);
    drawn.push(element);
  }

  function redraw() {
    drawn.forEach(function (element) {
      var figure = element.dataDemandsFigure;
      window.Plotly.react(element, figure.data, themed(figure.layout, element.clientWidth, figure.data), CONFIG);
    });
  }

  /* Chart · Table · Sources · Download · Embed · Cite as tabs (WAI-ARIA tabs pattern). */
  function tabs(frame) {
    var bar = frame.querySelector(".chart-views");
    var panels = Array.prototype.slice.call(frame.querySelectorAll(".chart-panel"));
    if (!bar || !panels.length) return;
    bar.setAttribute("role", "tablist");
    bar.setAttribute("aria-label", "Views of the chart");
    var links = Array.prototype.slice.call(bar.querySelectorAll("a"));
    var buttons = links.map(function (link) {
      var button = document.createElement("button");
      var id = link.getAttribute("href").slice(1);
      button.type = "button";
      button.id = id + "-tab";
      button.textContent = link.textContent;
      button.setAttribute("role", "tab");
      button.setAttribute("aria-controls", id);
      link.replaceWith(button);
      var panel = document.getElementById(id);
      if (panel) {
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", button.id);
        panel.setAttribute("tabindex", "-1");
      }
      return button;
    });

    function select(index, focus) {
      buttons.forEach(function (button, i) {
        var on = i === index;
        var panel = document.getElementById(button.getAttribute("aria-controls"));
        button.setAttribute("aria-selected", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
        if (panel) panel.hidden = !on;
        if (on && panel) {
          var plot = panel.querySelector(".chart-plot");
          if (plot && plot.dataDemandsFigure && window.Plotly) window.Plotly.Plots.resize(plot);
        }
      });
      if (focus) buttons[index].focus();
    }

    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { select(index, false); });
      button.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = (index + 1) % buttons.length;
        if (event.key === "ArrowLeft") next = (index - 1 + buttons.length) % buttons.length;
        if (event.key === "Home") next = 0;
        if (event.key === "End") next = buttons.length - 1;
        if (next !== null) {
          event.preventDefault();
          select(next, true);
        }
      });
    });
    // The tab bar sits under the chart: put it above the panels so it reads as tabs.
    frame.querySelector(".chart-panels").before(bar);
    var wanted = window.location.hash.slice(1);
    var start = buttons.findIndex(function (b) { return b.getAttribute("aria-controls") === wanted; });
    select(start > 0 ? start : 0, false);
    // A link elsewhere in the frame to one of its panels ("and 3 more in Sources") opens that tab.
    frame.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href^='#']");
      if (!link) return;
      var index = buttons.findIndex(function (b) { return "#" + b.getAttribute("aria-controls") === link.getAttribute("href"); });
      if (index >= 0) {
        event.preventDefault();
        select(index, true);
      }
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (!target) return;
        var text = target.value !== undefined ? target.value : target.textContent.trim();
        var done = function () {
          var label = button.textContent;
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else if (target.select) {
          target.select();
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  /* A filter applies as soon as it changes. Some selects sit beside their chart and join the page's
     form through their form attribute, so listen on the document rather than on the form. */
  function autosubmit() {
    document.addEventListener("change", function (event) {
      var field = event.target;
      var form = field && field.form;
      if (!form || field.tagName !== "SELECT" || !form.hasAttribute("data-autosubmit")) return;
      form.classList.add("is-loading");
      // Options of the other filters depend on scope and government: let the server choose them afresh.
      if (field.name === "scope" || field.name === "jurisdiction") {
        Array.prototype.forEach.call(form.elements, function (other) {
          if (other !== field && ["measure", "type", "period"].indexOf(other.name) >= 0) other.disabled = true;
        });
      }
      form.submit();
    });
  }

  /* Charts shown as pictures wait for the reader: the first reach for any chart loads plotly.js and
     draws that chart, then every other one as it nears the viewport. A picture that fails to load
     (no Chromium on the server, say) gives way to the chart straight away. */
  function drawOnIntent(plots) {
    var pictured = [];
    var now = [];
    plots.forEach(function (plot) {
      var image = plot.querySelector(".chart-preview img");
      if (!image) { now.push(plot); return; }
      pictured.push(plot);
      var failed = function () { drawWhenNear([plot]); };
      if (image.complete && image.currentSrc && !image.naturalWidth) failed();
      else image.addEventListener("error", failed);
    });
    drawWhenNear(now);
    if (!pictured.length) return;
    var woken = false;
    function wake(event) {
      if (woken) return;
      woken = true;
      var reached = event.currentTarget.querySelector(".chart-plot[data-figure]");
      if (reached) withPlotly(function () { draw(reached); });
      drawWhenNear(pictured.filter(function (plot) { return plot !== reached; }));
    }
    pictured.forEach(function (plot) {
      var frame = plot.closest(".chart-frame, .embed-chart") || plot.parentNode;
      ["pointerover", "touchstart", "focusin"].forEach(function (name) {
        frame.addEventListener(name, wake, { passive: true });
      });
    });
  }

  function start() {
    document.querySelectorAll(".chart-frame").forEach(tabs);
    drawOnIntent(Array.prototype.slice.call(document.querySelectorAll(".chart-plot[data-figure]")));
    copyButtons();
    autosubmit();
    if (media) {
      if (media.addEventListener) media.addEventListener("change", redraw);
      else if (media.addListener) media.addListener(redraw);
    }
    // Turning a phone or resizing a window across the narrow layout's width redraws with its margins.
    var narrow = isNarrow(window.innerWidth);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        if (isNarrow(window.innerWidth) !== narrow) {
          narrow = isNarrow(window.innerWidth);
          redraw();
        }
      }, 200);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
