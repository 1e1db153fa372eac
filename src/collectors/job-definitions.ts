import type { JobDefinition } from '../jobs/job-definition.js';
import { CONTRACT_ADDRESSES_JOB } from './contract-addresses/contract-addresses.definition.js';
import { PRICES_JOB } from './prices/prices.definition.js';
import { TOP_COINS_JOB } from './top-coins/top-coins.definition.js';

/** Every job the service knows; the config schema reads each one's `<PREFIX>_*` variables from this list. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [TOP_COINS_JOB, PRICES_JOB, CONTRACT_ADDRESSES_JOB];
