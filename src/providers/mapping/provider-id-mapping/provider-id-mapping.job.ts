import { defineJob } from '../../../jobs/job-definition.js';

export const PROVIDER_ID_MAPPING_JOB = defineJob({
  key: 'provider_id_mapping',
  description:
    'Maps assets to their CoinPaprika ids from ONE GET /coins call: symbol plus normalised name, market-cap rank only ' +
    'to break a tie; ambiguous or missing matches stay unmapped and are listed (GET /providers/mappings). Admin ' +
    'mappings are never changed. Does nothing (no call) when coinpaprika is not in PRICE_PROVIDERS.',
  envPrefix: 'PROVIDER_ID_MAPPING',
  schedule: '0 45 0 * * *',
  trigger: { path: 'map-provider-ids', summary: 'Map assets to their CoinPaprika ids' },
  // CoinGecko calls (the budget's projection): none; its one call goes to CoinPaprika.
  estimateCalls: () => 0,
});
