import { JobModule } from '../../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers.module.js';
import { ProviderIdsModule } from '../provider-ids.module.js';
import { ProviderIdMapper } from './provider-id-mapper.service.js';
import { PROVIDER_ID_MAPPING_JOB } from './provider-id-mapping.job.js';

@JobModule(PROVIDER_ID_MAPPING_JOB, {
  imports: [ProvidersModule, ProviderIdsModule],
  providers: [ProviderIdMapper],
})
export class ProviderIdMappingModule {}
