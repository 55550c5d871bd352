"""OpenAPI example of the user pool listing: the first page of the TMO operators, two at a time."""

from drf_spectacular.utils import OpenApiExample

USER_PAGE = {
    # ``cursor`` carries Cognito's pagination token, bound to the filters it was issued for.
    "next": (
        "https://api.bigtree-assist.example/v1/users?group=assistances-tmo&page_size=2"
        "&cursor=eyJ0IjoiQ0FJU2x3SUlBUktRQWdnREVvc0NBRVlBZFFCc0FHd0FRd0J2QUc0QWRBQnlBRzhBYkEiLCJnIjoiYXNzaXN0YW5jZXMtdG1vIiwiZSI6IiJ9"
    ),
    "previous": None,
    "results": [
        {
            "username": "3c9e5a1b-7d42-4f0e-9b6a-2e8d1f4c7a90",
            "sub": "3c9e5a1b-7d42-4f0e-9b6a-2e8d1f4c7a90",
            "email": "lucia.fernandez@bigtree-assist.example",
            "email_verified": True,
            "enabled": True,
            "status": "CONFIRMED",
            "created": "2025-09-02T10:14:33.512000-03:00",
            "modified": "2026-02-18T16:41:07.208000-03:00",
            "groups": ["assistances-admin", "assistances-tmo"],
        },
        {
            "username": "8f1d2b7e-0a63-4c95-a4e1-5b7c9d3f6e21",
            "sub": "8f1d2b7e-0a63-4c95-a4e1-5b7c9d3f6e21",
            "email": "diego.martinez@bigtree-assist.example",
            "email_verified": True,
            "enabled": True,
            "status": "FORCE_CHANGE_PASSWORD",
            "created": "2026-03-10T09:02:15.774000-03:00",
            "modified": "2026-03-10T09:02:15.774000-03:00",
            "groups": ["assistances-tmo"],
        },
    ],
}

USER_PAGE_EXAMPLES = [OpenApiExample("First page of TMO operators", value=USER_PAGE, response_only=True)]
