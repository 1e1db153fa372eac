// The words for a price flag's detail (docs/providers.md, "Quality flags"), apart from the DOM so that Node loads it
// too (test/dashboard/flags-format.spec.ts). A detail of a shape this page does not know shows as its kind alone.

export const FLAG_KINDS = ['spike', 'freeze', 'divergence'];

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const price = (value) => (typeof value === 'string' || typeof value === 'number' ? `$${value}` : '?');
const finite = (value) => typeof value === 'number' && Number.isFinite(value);

/** One line saying why a point was flagged, from its `kind` and `detail`. */
export function flagDetail(flag) {
  const detail = isObject(flag?.detail) ? flag.detail : {};
  switch (flag?.kind) {
    case 'spike': {
      const direction = detail.direction === 'down' ? 'down' : 'up';
      const factor = finite(detail.factor) ? ` ×${detail.factor}` : '';
      const around =
        isObject(detail.previous) && isObject(detail.next)
          ? ` between ${price(detail.previous.price_usd)} and ${price(detail.next.price_usd)}`
          : '';
      return `${price(detail.price_usd)}, ${direction}${factor}${around}`;
    }
    case 'freeze': {
      const hours = finite(detail.hours) ? ` for ${detail.hours} h` : '';
      const since = typeof detail.run_start === 'string' ? ` since ${detail.run_start}` : '';
      return `${price(detail.price_usd)} unchanged${hours}${since}`;
    }
    case 'divergence': {
      const other = isObject(detail.other) ? detail.other : {};
      const percent = finite(detail.percent) ? ` ${detail.percent} %` : '';
      const source = typeof other.source === 'string' ? other.source : 'the other provider';
      return `${price(detail.price_usd)},${percent} off ${source}'s ${price(other.price_usd)}`;
    }
    default:
      return String(flag?.kind ?? 'flag');
  }
}
