// port: maps an OAuth client id to the tenant it acts for (the authorizer's only look-up).

export interface ApiClientRecord {
  readonly clientId: string;
  readonly tenantId: string;
  readonly status: 'active' | 'disabled';
}

export interface ApiClientDirectory {
  find(clientId: string): Promise<ApiClientRecord | undefined>;
}
