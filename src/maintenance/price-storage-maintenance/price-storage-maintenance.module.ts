import { AssetsModule } from '../../assets/assets.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { PRICE_STORAGE_MAINTENANCE_JOB } from './price-storage-maintenance.job.js';
import { PriceStorageMaintenance } from './price-storage-maintenance.service.js';

@JobModule(PRICE_STORAGE_MAINTENANCE_JOB, { imports: [AssetsModule], providers: [PriceStorageMaintenance] })
export class PriceStorageMaintenanceModule {}
