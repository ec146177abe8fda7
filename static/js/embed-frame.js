/* Inside an embedded chart: post the page's height to the embedding page on load and whenever
   it changes (the host resized the iframe's width, the chart was drawn), so the iframe can be
   exactly as tall as its content. The height is not a secret, so any parent may read it; the
   host script checks where the message came from. Also speaks WordPress's oEmbed protocol
   (a #?secret= in the address), because WordPress keeps the iframe but drops our script. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var HEIGHT = "data-demands:embed-height";
  var PING = "data-demands:embed-ping";
  var match = /[#&?]secret=([A-Za-z0-9]{1,64})/.exec(window.location.hash);
  var wordpressSecret = match ? match[1] : null;
  var last = 0;

  function height() {
    // The root element's box, not scrollHeight, which never drops below the iframe's own height.
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function post(force) {
    var value = height();
    if (!force && value === last) return;
    last = value;
    window.parent.postMessage({ type: HEIGHT, height: value }, "*");
    if (wordpressSecret) {
      window.parent.postMessage({ message: "height", value: value, secret: wordpressSecret }, "*");
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") return;
    if (event.data.type === PING || (wordpressSecret && event.data.message === "ready")) post(true);
  });
  window.addEventListener("load", function () { post(true); });
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(function () { post(false); }).observe(document.documentElement);
  } else {
    window.addEventListener("resize", function () { post(false); });
  }
  post(true);
})();
