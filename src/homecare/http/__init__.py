"""The integration buffer over HTTP: the endpoint the City of Stockholm polls (R3, D3).

    from homecare import connect
    from homecare.http import ApiToken, create_app

    hc = connect("postgresql+psycopg://...")
    host_app.mount("/homecare", create_app(hc, [ApiToken("city", secret, can_drain=True)]))

Built on FastAPI because the buffer's messages are already pydantic models:
the request validation, the response bodies and the OpenAPI document all come
from the same models the library returns. Needs the `http` extra.
"""

from homecare.http.app import create_app, create_app_from_environment
from homecare.http.console import PersonalDataView
from homecare.http.tokens import TOKENS_VARIABLE, ApiToken, parse_tokens

__all__ = [
    "TOKENS_VARIABLE",
    "ApiToken",
    "PersonalDataView",
    "create_app",
    "create_app_from_environment",
    "parse_tokens",
]
