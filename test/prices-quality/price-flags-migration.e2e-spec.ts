import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrmOptions } from '../../src/database/orm-options.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const FLAGS = 'Migration20261207040000_price_flags';

describe('price_flags migration', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let assetId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(buildOrmOptions({ clientUrl: db.url, poolMax: 2 }));
    await orm.migrator.up({ to: FLAGS });
    const [asset] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values ('bitcoin', 'BTC', 'Bitcoin') returning id`,
    );
    assetId = asset.id;
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const insert = (kind: string) =>
    db.query(
      `insert into price_flags (asset_id, timestamp, source, kind, detail)
       values ($1, '2026-01-01T00:15:00Z', 'coingecko', $2, '{}')`,
      [assetId, kind],
    );

  it('keys a flag by (asset_id, timestamp, source, kind) and accepts only the three kinds', async () => {
    await insert('spike');
    await insert('freeze');
    await expect(insert('spike')).rejects.toThrow(/price_flags_pkey/);
    await expect(insert('glitch')).rejects.toThrow(/price_flags_kind_check/);
  });

  it('lets job_alerts hold price_anomaly alerts', async () => {
    await db.query(`insert into job_alerts (job_key, event, episode, payload, owner)
                    values ('price_collection', 'price_anomaly', 'flags:1', '{}', 'test')`);
  });

  it('migrates down (the flags and the anomaly alerts go, the other alerts stay) and up again', async () => {
    await db.query(`insert into job_alerts (job_key, event, episode, payload, owner)
                    values ('price_collection', 'job_failing', 'after:none', '{}', 'test')`);
    await orm.migrator.down();
    const tables = await db.query(`select 1 from information_schema.tables where table_name = 'price_flags'`);
    expect(tables).toEqual([]);
    const events = await db.query<{ event: string }>(`select event from job_alerts`);
    expect(events.map((row) => row.event)).toEqual(['job_failing']);
    await expect(
      db.query(`insert into job_alerts (job_key, event, episode, payload, owner)
                values ('price_collection', 'price_anomaly', 'flags:2', '{}', 'test')`),
    ).rejects.toThrow(/job_alerts_event_check/);
    await orm.migrator.up({ to: FLAGS });
    await insert('divergence');
  });
});
