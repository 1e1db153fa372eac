import { Module } from '@nestjs/common';
import { AssetProviderIdsRepository } from './asset-provider-ids.repository.js';
import { AssetProviderIdsWriteRepository } from './asset-provider-ids.write-repository.js';
import { ProviderIdsService } from './provider-ids.service.js';
import { ProviderMappingsController } from './provider-mappings.controller.js';

/** Asset identity across providers: its tables' repositories, `GET /providers/mappings`, and the admin's writes. */
@Module({
  controllers: [ProviderMappingsController],
  providers: [AssetProviderIdsRepository, AssetProviderIdsWriteRepository, ProviderIdsService],
  exports: [AssetProviderIdsRepository, AssetProviderIdsWriteRepository, ProviderIdsService],
})
export class ProviderIdsModule {}
