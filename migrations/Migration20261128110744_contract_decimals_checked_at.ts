import { Migration } from '@mikro-orm/migrations';

/**
 * When the contract job last asked `/coins/{id}` for a contract's token decimals: contracts whose decimals
 * CoinGecko does not know are asked again only after all the others, so the job converges over runs.
 */
export class Migration20261128110744_contract_decimals_checked_at extends Migration {
  override up(): void | Promise<void> {
    this.addSql(`alter table "asset_contracts" add "decimals_checked_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "asset_contracts" drop column "decimals_checked_at";`);
  }
}
