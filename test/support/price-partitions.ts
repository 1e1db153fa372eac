import { monthOf } from '../../src/assets/storage/price-months.js';
import type { TestDatabase } from './database.js';

/**
 * Creates the monthly `asset_prices` partitions from `from`'s month to `to`'s, for specs that seed raw rows with
 * plain SQL (the service's writers create the partitions they need themselves; there is no default partition).
 */
export async function createPricePartitions(
  db: Pick<TestDatabase, 'query'>,
  from: string,
  to = from,
): Promise<void> {
  for (let month = monthOf(new Date(from)); month.from <= new Date(to); month = monthOf(month.to)) {
    await db.query(
      `create table if not exists ${month.name} partition of asset_prices
         for values from ('${month.from.toISOString()}') to ('${month.to.toISOString()}')`,
    );
  }
}
