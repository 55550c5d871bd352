"""OpenAPI description of the partner credentials (drf-spectacular extension, loaded by the app config)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.clients.authentication import API_KEY_HEADER


class CognitoAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.clients.authentication.CognitoAccessTokenAuthentication"
    # Both together (AND): the access token and the API key of the same client.
    name = ["cognitoAccessToken", "apiKey"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": (
                    "A Cognito access token (client credentials) with scope assistences-services/read or "
                    "kom-services/read for reads, .../write for writes."
                ),
            },
            {"type": "apiKey", "in": "header", "name": API_KEY_HEADER, "description": "The client's API key."},
        ]
