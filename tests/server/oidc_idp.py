"""A real OpenID Connect provider for the tests, on 127.0.0.1: Authlib's authorization server (Flask)
with the OIDC authorization-code grant, serving discovery, a JWKS and RS256-signed ID tokens.

The test chooses who is "logged in" at the provider (`idp.person = {...claims...}`); /authorize then
consents at once and redirects back with a code, as a provider would after its own login page.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "lurewatch", "idp-test-secret"


@dataclass
class Client:
    redirect_uris: list[str]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post") if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class TestIdP:
    """Start with `with TestIdP(redirect_uri) as idp:`; `idp.issuer` is its base URL."""

    __test__ = False  # not a pytest class

    def __init__(self, redirect_uri: str) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.client = Client([redirect_uri])
        self.codes: dict[str, Code] = {}
        self.published: RSAKey | None = None  # a different key in the JWKS than the one that signs
        self.person: dict[str, Any] = {}
        self.tokens_issued = 0
        self.app = self._flask()
        self._srv = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._srv.server_port}"
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True, name="test-idp")

    def __enter__(self) -> TestIdP:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._srv.shutdown()

    def _flask(self) -> Flask:
        idp = self
        app = Flask("test-idp")

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                idp.codes[code] = Code(code, req.client.get_client_id(), req.payload.redirect_uri,
                                       req.payload.scope, req.user, req.payload.data.get("nonce"))

            def query_authorization_code(self, code: str, client: Any) -> Code | None:
                c = idp.codes.get(code)
                return c if c and c.client_id == client.get_client_id() else None

            def delete_authorization_code(self, code: Code) -> None:
                idp.codes.pop(code.code, None)

            def authenticate_user(self, code: Code) -> dict[str, Any]:
                return code.user

        class OIDCCode(OpenIDCode):
            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return any(c.nonce == nonce for c in idp.codes.values())

            def resolve_client_private_key(self, client: Any) -> RSAKey:
                return idp.key

            def get_client_claims(self, client: Any) -> dict[str, Any]:
                return {"iss": idp.issuer, "aud": [client.get_client_id()]}

            def get_client_algorithm(self, client: Any) -> str:
                return "RS256"

            def get_encode_header(self, client: Any) -> dict[str, Any]:
                return {"alg": "RS256", "kid": "test-key"}

            def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
                idp.tokens_issued += 1
                return UserInfo(user)

        def save_token(token: dict[str, Any], req: Any) -> None:
            pass

        server = AuthorizationServer(app, query_client=lambda cid: idp.client if cid == CLIENT_ID else None,
                                     save_token=save_token)
        server.register_grant(CodeGrant, [OIDCCode(require_nonce=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify({
                "issuer": idp.issuer, "authorization_endpoint": idp.issuer + "/authorize",
                "token_endpoint": idp.issuer + "/token", "jwks_uri": idp.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email", "profile"]})

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify({"keys": [(idp.published or idp.key).as_dict(private=False)]})

        @app.get("/authorize")
        def authorize() -> Any:
            return server.create_authorization_response(grant_user=dict(idp.person))

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        return app
