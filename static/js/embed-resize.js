/* Data Demands embeds: loaded by the page that embeds a chart, it sizes each chart's iframe to
   its content so the embed never scrolls. The framed page posts its height; a message is only
   believed when it comes from the window of one of our iframes, from that iframe's origin (which
   must be this script's origin), and has our exact shape with a sane number. No cookie, no
   request of its own, nothing read from the host page but the iframes it sizes. */
(function () {
  "use strict";
  if (window.dataDemandsEmbeds) {
    window.dataDemandsEmbeds.ping();  // the embed code pasted twice: one listener is enough
    return;
  }
  var HEIGHT = "data-demands:embed-height";
  var PING = "data-demands:embed-ping";
  var MAX_HEIGHT = 10000;
  var script = document.currentScript;
  var ourOrigin = script && script.src ? originOf(script.src) : null;

  function originOf(url) {
    try {
      return new URL(url, window.location.href).origin;
    } catch (error) {
      return null;
    }
  }

  function frames() {
    var found = [];
    var list = document.querySelectorAll("iframe[data-data-demands-embed]");
    for (var i = 0; i < list.length; i++) {
      var origin = originOf(list[i].src);
      // An iframe that merely claims the attribute but points elsewhere is not ours to size.
      if (origin && origin !== "null" && (!ourOrigin || origin === ourOrigin)) {
        found.push({ iframe: list[i], origin: origin });
      }
    }
    return found;
  }

  function onMessage(event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== HEIGHT) return;
    var height = data.height;
    if (typeof height !== "number" || !isFinite(height) || height < 1 || height > MAX_HEIGHT) return;
    var list = frames();
    for (var i = 0; i < list.length; i++) {
      if (list[i].iframe.contentWindow === event.source && list[i].origin === event.origin) {
        list[i].iframe.style.height = Math.ceil(height) + "px";
        return;
      }
    }
  }

  // A frame that finished loading before this async script ran has already posted its height:
  // ask every frame to say it again.
  function ping() {
    var list = frames();
    for (var i = 0; i < list.length; i++) {
      if (list[i].iframe.contentWindow) list[i].iframe.contentWindow.postMessage({ type: PING }, list[i].origin);
    }
  }

  window.addEventListener("message", onMessage);
  window.dataDemandsEmbeds = { ping: ping };
  ping();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ping);
})();
