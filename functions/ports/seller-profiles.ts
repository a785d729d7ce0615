// port: reads and stores each tenant's seller profile.
import type { SellerProfile } from '../domain/seller';

export interface SellerProfiles {
  get(tenantId: string): Promise<SellerProfile | undefined>;
  /** Used by tenant onboarding (the local stack's provisioning, an ops command on AWS). */
  put(tenantId: string, profile: SellerProfile): Promise<void>;
}
