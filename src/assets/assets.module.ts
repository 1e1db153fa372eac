import { Module } from '@nestjs/common';
import { AssetsController } from './assets.controller.js';
import { AssetsRepository } from './assets.repository.js';
import { AssetsService } from './assets.service.js';
import { ContractsController } from './contracts.controller.js';
import { RankingsController } from './rankings.controller.js';

/** The read API over collected data (`/assets`, `/rankings`, `/contracts`) and `PATCH /assets/{id}`. */
@Module({
  controllers: [AssetsController, RankingsController, ContractsController],
  providers: [AssetsService, AssetsRepository],
})
export class AssetsModule {}
