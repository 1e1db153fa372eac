import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/jobs.module.js';
import { AlertingService } from './alerting.service.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsRepository } from './alerts.repository.js';

/** Failure, recovery and overdue alerts to ALERT_WEBHOOK_URL, and `GET /api/v1/alerts`. */
@Module({
  imports: [JobsModule],
  controllers: [AlertsController],
  providers: [AlertsRepository, AlertingService],
  exports: [AlertingService],
})
export class AlertingModule {}
