// port: reads each tenant's seller profile (changes go through the Ledger, audited; onboarding stores the first).
import type { SellerProfile } from '../domain/seller';

export interface SellerProfileRecord {
  readonly profile: SellerProfile;
  /** Optimistic concurrency: an update names the version it read. */
  readonly version: number;
  readonly updatedAt: string;
}

export interface SellerProfiles {
  get(tenantId: string): Promise<SellerProfile | undefined>;
  find(tenantId: string): Promise<SellerProfileRecord | undefined>;
  /** Tenant onboarding only (the local stack's provisioning, an ops command on AWS): the first profile. */
  put(tenantId: string, profile: SellerProfile): Promise<void>;
}
