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
 * them to the document's tokenUrl) and a plain bearer token.
 */
window.addEventListener("load", function () {
  "use strict";
  var specUrl = new URL("../api/v1/openapi.json", window.location.href);

  /*
   * OpenAPI 3.1 resolves a relative tokenUrl/refreshUrl ("auth/login")
   * against the document's own URL, i.e. next to ".../openapi.json";
   * Swagger UI resolves it against the server URL, which is relative
   * ("/api/v1") and so leaves it relative to this page. Send token requests where the document means
   * them to go.
   */
  function tokenUrlFix(req) {
    var here = window.location.href;
    var spec = window.ui && window.ui.specSelectors.specJson().toJS();
    var schemes = (spec && spec.components && spec.components.securitySchemes) || {};
    Object.keys(schemes).forEach(function (name) {
      var password = schemes[name].flows && schemes[name].flows.password;
      ["tokenUrl", "refreshUrl"].forEach(function (key) {
        var relative = password && password[key];
        if (relative && new URL(req.url, here).href === new URL(relative, here).href) {
          req.url = new URL(relative, specUrl).href;
        }
      });
    });
    return req;
  }

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
    layout: "StandaloneLayout",
    requestInterceptor: tokenUrlFix
  });
});
