"""dlt-source-personio's REST client pages ``GET /v2/projects``: ``python run_dlt_personio.py BASE_URL
[NAME=VALUE ...]`` (the filters), with the client credentials in ``PERSONIO_CLIENT_ID`` and
``PERSONIO_CLIENT_SECRET`` (dlt reads its secrets from the environment). Prints each page's ids
as JSON.

One change besides the base URL: the source builds its token URL with
``urljoin(api_base, "/v2/auth/token")``, which drops the base URL's path (api.personio.de serves
the API at the host's root). The mock serves Personio under ``/personio`` (a named session under
``/__session/NAME/personio``), so the token URL is set to the same base URL plus the same path.
"""

import json
import sys

from dlt_source_personio.rest_client import V2_MAX_PAGE_LIMIT, get_rest_client, hooks

base = sys.argv[1].rstrip("/")
filters = dict(arg.split("=", 1) for arg in sys.argv[2:])
client, auth = get_rest_client(api_base=base)
auth.access_token_url = base + "/v2/auth/token"
params = {"limit": V2_MAX_PAGE_LIMIT, **filters}  # the page size the source itself asks for
pages = client.paginate("/v2/projects", params=params, hooks=hooks)
print(json.dumps([[project["id"] for project in page] for page in pages]))
