// lurewatch: the only script of our own. No inline script anywhere (strict CSP).
// Sends the session's CSRF token (from the <meta> tag) with every HTMX request.
document.addEventListener("htmx:configRequest", function (evt) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) {
    evt.detail.headers["X-CSRF-Token"] = meta.content;
  }
});
