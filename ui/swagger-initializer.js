/*
 * Start Swagger UI on mod_todo's OpenAPI document.
 *
 * The page is served at /docs/ and the API at /api/v1 (the shipped
 * configuration), so the document is "../api/v1/openapi.json" relative to
 * this page. Everything else — the UI itself — comes from dist/, the npm
 * package swagger-ui-dist that Apache serves from the installed files:
 * nothing is loaded from elsewhere (no CDN, no online validator).
 *
 * Authorization persists across reloads (localStorage). "Authorize" offers
 * the OAuth2 password flow (username or email, and password: the UI posts
 * them to the document's tokenUrl, an absolute URL below the mount point
 * that the served document carries, so it needs no help here) and a plain
 * bearer token.
 */
window.addEventListener("load", function () {
  "use strict";
  var specUrl = new URL("../api/v1/openapi.json", window.location.href);

  window.ui = SwaggerUIBundle({
    url: specUrl.href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    oauth2RedirectUrl: new URL("dist/oauth2-redirect.html", window.location.href).href,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
