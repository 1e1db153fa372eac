import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** `GET /dashboard`: the monitoring page over the jobs API (see DashboardController). */
@Module({
  controllers: [DashboardController],
})
export class DashboardModule {}
