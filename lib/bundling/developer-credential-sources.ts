// bundling stand-in: the default credential chain's developer-machine links (profile files, SSO,
// credential_process, web identity tokens), replaced in Lambda bundles (lib/bundling/options.ts). Lambda puts the
// role's credentials in the environment, which the chain reads first; these links never run there. Each one tells
// the chain to try its next link, as the real ones do when their source is not configured.

class SourceNotBundledError extends Error {
  override readonly name = 'CredentialsProviderError';
  /** What @aws-sdk/credential-provider-node's chain reads to move on to its next link. */
  readonly tryNextLink = true;
}

const notBundled = (source: string) => () => async (): Promise<never> => {
  throw new SourceNotBundledError(
    `${source} credentials are not bundled into Lambda functions; the function reads its role's credentials from the environment`,
  );
};

export const fromIni = notBundled('shared config and credentials file');
export const fromProcess = notBundled('credential_process');
export const fromSSO = notBundled('IAM Identity Center (SSO)');
export const fromTokenFile = notBundled('web identity token file');
