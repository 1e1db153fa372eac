import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobRunPageDto } from '../../src/jobs/dto/job-views.dto.js';
import {
  JobRunsReadRepository,
  type RunHistoryQuery,
} from '../../src/jobs/history/job-runs.read-repository.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * Identical requests for a page of the run history that arrive together share one read (SharedReads), and a
 * request never gets a page read before it arrived. The first read is held open in the service after its rows
 * came back; a run is committed; twenty more requests arrive. They must share one new read, and that read must
 * hold the new run. Without sharing there would be twenty-one reads; joining the read in flight would hand them
 * a page without the run.
 */

const TOKEN = 'shared-pages-test-token-0123456789abcdef';
const PATH = '/api/v1/jobs/runs?limit=10';
const WAIT = { timeout: 60_000, interval: 20 };

describe('GET /jobs/runs: identical requests share one read', () => {
  let db: TestDatabase;
  let running: RunningApp;

  const insertRun = async (startedAt: string): Promise<string> => {
    const [row] = await db.query<{ id: string }>(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                             duration_ms, heartbeat_at, owner, items_processed, items_created, items_updated,
                             items_skipped, custom)
       values ('top_coins_collection', 'top_coins_collection(limit=10)', 'manual', 'succeeded', 1, '{"limit":10}', $1::timestamptz,
               $1::timestamptz + interval '1 second', 1000, $1::timestamptz + interval '1 second', 'test', 10, 0,
               10, 0, '{}')
       returning id::text`,
      [startedAt],
    );
    return row.id;
  };

  const get = async (): Promise<JobRunPageDto> => {
    const response = await fetch(`${running.baseUrl}${PATH}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as JobRunPageDto;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    for (const at of ['2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z'])
      await insertRun(at);
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('answers everyone who came during a read from one later read that sees what was committed before they came', async () => {
    const history = running.app.get(JobRunsReadRepository);
    const service = running.app.get(JobsService);
    const listPage = history.listPage.bind(history);
    const listRuns = service.listRuns.bind(service);

    let reads = 0;
    let firstRowsRead = false;
    let arrived = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    history.listPage = async (query: RunHistoryQuery) => {
      reads += 1;
      const rows = await listPage(query);
      if (reads === 1) {
        firstRowsRead = true;
        await held;
      }
      return rows;
    };
    service.listRuns = (query) => {
      arrived += 1;
      return listRuns(query);
    };

    try {
      const first = get();
      await vi.waitFor(() => expect(firstRowsRead).toBe(true), WAIT);
      const newest = await insertRun('2026-11-04T00:00:00Z');
      const later = Array.from({ length: 20 }, () => get());
      await vi.waitFor(() => expect(arrived).toBe(21), WAIT);
      release();

      const firstPage = await first;
      const laterPages = await Promise.all(later);
      expect(firstPage.items).toHaveLength(3);
      expect(firstPage.items.map((run) => run.run_id)).not.toContain(newest);
      expect(reads).toBe(2);
      for (const page of laterPages) {
        expect(page).toEqual(laterPages[0]);
        expect(page.items).toHaveLength(4);
        expect(page.items[0].run_id).toBe(newest);
      }
    } finally {
      release();
      history.listPage = listPage;
      service.listRuns = listRuns;
    }

    // Nothing is kept once the reads are over: the next request reads afresh.
    const newer = await insertRun('2026-11-05T00:00:00Z');
    const next = await get();
    expect(next.items).toHaveLength(5);
    expect(next.items[0].run_id).toBe(newer);
  });
});
