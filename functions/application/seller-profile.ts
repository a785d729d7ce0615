// application: the seller profile — read it, and replace it (admin scope, audited in the same commit). A change
// of the payout account is marked in the audit event, so the detector can watch what follows it.
import { payoutChanged, type SellerProfile } from '../domain/seller';
import type { SellerProfileRecord, SellerProfiles } from '../ports/seller-profiles';
import { UnknownEntityError } from './errors';
import type { Command, Query } from './request';

export function toSellerProfileView(record: SellerProfileRecord) {
  return { ...record.profile, updatedAt: record.updatedAt };
}

export function makeSellerProfileQueries(dependencies: { readonly sellers: SellerProfiles }) {
  const getSellerProfile: Query<'getSellerProfile'> = async ({ caller }) => {
    const record = await dependencies.sellers.find(caller.tenantId);
    if (record === undefined) throw new UnknownEntityError('this account has no seller profile yet; PUT one');
    return { body: toSellerProfileView(record) };
  };
  return { getSellerProfile };
}

export function makeSellerProfileCommands(dependencies: { readonly sellers: SellerProfiles }) {
  const putSellerProfile: Command<'putSellerProfile'> = async ({ caller, body }, now) => {
    const current = await dependencies.sellers.find(caller.tenantId);
    const profile = Object.fromEntries(
      Object.entries(body).filter(([, value]) => value !== undefined),
    ) as unknown as SellerProfile;
    const record = { profile, version: (current?.version ?? 0) + 1, updatedAt: now.toISOString() };
    const changedFields = (
      Object.keys({ ...current?.profile, ...profile }) as (keyof SellerProfile)[]
    ).filter((field) => JSON.stringify(current?.profile[field]) !== JSON.stringify(profile[field]));
    return {
      changes: [
        {
          type: 'putSellerProfile',
          tenantId: caller.tenantId,
          profile,
          version: record.version,
          expectedVersion: current?.version ?? null,
          updatedAt: record.updatedAt,
        },
      ],
      audit: {
        action: 'seller-profile.updated',
        entityType: 'seller-profile',
        entityId: caller.tenantId,
        // Which fields changed, never their values: the audit trail holds no personal data.
        details: {
          fields: changedFields.sort().join(','),
          // Any change of where customers pay — replaced, removed, or added to a profile that had none — except
          // in the profile's very first PUT (onboarding), so that removing an account and adding the attacker's
          // a day later, or adding one to a tenant that invoiced without, is watched like a replacement.
          payoutChanged: current !== undefined && payoutChanged(current.profile, profile),
          payoutAdded: current?.profile.payout === undefined && profile.payout !== undefined,
        },
      },
      reply: { body: toSellerProfileView(record) },
    };
  };
  return { putSellerProfile };
}
