// port: reads customers for one tenant; the email look-up goes through a keyed blind index.
import type { Customer } from '../domain/customer';
import type { Page } from './page';

export interface CustomerRepository {
  get(tenantId: string, customerId: string): Promise<Customer | undefined>;
  list(tenantId: string, limit: number, cursor?: string): Promise<Page<Customer>>;
  findByEmail(tenantId: string, email: string): Promise<readonly Customer[]>;
}
