import { describe, expect, it } from 'vitest';
import { checkName, parsePromotionBranch, promotionBranch } from './names.js';

describe('names', () => {
  it.each(['../x', 'a/b', 'My-Service', 'a b', '-a', 'a-', '', 'a'.repeat(64), 'a..b'])(
    'refuses %j',
    (name) => {
      expect(() => checkName('service', name)).toThrowError(/^Input 'service': /);
    },
  );

  it.each(['orders', 'web-frontend', 'a1', 'prod'])('accepts %s', (name) => {
    expect(checkName('service', name)).toBe(name);
  });

  it('builds and reads back release/<service>/<env>', () => {
    expect(promotionBranch('orders', 'uat')).toBe('release/orders/uat');
    expect(parsePromotionBranch('refs/heads/release/orders/uat')).toEqual({
      service: 'orders',
      environment: 'uat',
    });
    expect(parsePromotionBranch('release/orders')).toBeUndefined();
    expect(parsePromotionBranch('release/orders/uat/x')).toBeUndefined();
    expect(parsePromotionBranch('release/../uat')).toBeUndefined();
    expect(parsePromotionBranch('feature/orders/uat')).toBeUndefined();
  });
});
