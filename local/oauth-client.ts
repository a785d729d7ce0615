// local: gets an access token the way any API client does (client credentials, HTTP Basic) — for the demo,
// the benchmarks and the tests.

export async function fetchAccessToken(
  apiBaseUrl: string,
  client: { readonly clientId: string; readonly clientSecret: string },
): Promise<string> {
  const response = await fetch(`${apiBaseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return token;
}
