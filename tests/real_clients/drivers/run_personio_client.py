"""personio-client obtains an access token: ``python run_personio_client.py BASE_URL CLIENT_ID
CLIENT_SECRET [SCOPE ...]``. Prints the token as JSON, or the status and message of the
``PersonioAuthenticationError`` it raises."""

import asyncio
import json
import sys

from personio_client import PersonioAuthenticationError, PersonioClient


async def main(base_url: str, client_id: str, client_secret: str, *scope: str) -> dict[str, object]:
    async with PersonioClient(client_id, client_secret, base_url=base_url) as client:
        try:
            token = await client.obtain_access_token(scope=list(scope) or None)
        except PersonioAuthenticationError as error:
            return {"status": error.status_code, "message": error.message}
        return token.model_dump(mode="json")


print(json.dumps(asyncio.run(main(*sys.argv[1:]))))
