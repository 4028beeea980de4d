import { describe, expect, it } from 'vitest';
import { mapInput, parsePath } from '../../../src/triggers/input-mapping.ts';

const event = {
  id: 'e1',
  source: 'shop',
  resources: ['r0', 'r1'],
  detail: { order: { id: 'o-1', total: 12.5 }, 'first-name': 'Ann' },
};

describe('mapInput', () => {
  it('uses the detail when there is no mapping', () => {
    expect(mapInput(undefined, event)).toEqual(event.detail);
  });

  it('uses an empty object when there is no mapping and no detail', () => {
    expect(mapInput(undefined, { id: 'e' })).toEqual({});
  });

  it('selects paths and keeps literals', () => {
    expect(
      mapInput(
        {
          orderId: '$.detail.order.id',
          firstResource: '$.resources[0]',
          name: "$.detail['first-name']",
          channel: 'web',
          priority: 3,
          whole: '$',
        },
        event,
      ),
    ).toEqual({
      orderId: 'o-1',
      firstResource: 'r0',
      name: 'Ann',
      channel: 'web',
      priority: 3,
      whole: event,
    });
  });

  it('maps nested objects and arrays', () => {
    expect(mapInput({ order: { id: '$.detail.order.id', tags: ['$.source', 'x'] } }, event)).toEqual({
      order: { id: 'o-1', tags: ['shop', 'x'] },
    });
  });

  it('leaves out keys whose path selects nothing', () => {
    expect(mapInput({ a: '$.detail.missing', b: '$.resources[9]', c: 1 }, event)).toEqual({ c: 1 });
  });
});

describe('parsePath', () => {
  it.each([
    ['$', []],
    ['$.detail.a-b', ['detail', 'a-b']],
    ['$.list[2].x', ['list', 2, 'x']],
    ['$["a b"]', ['a b']],
  ])('parses %s', (path, steps) => {
    expect(parsePath(path)).toEqual(steps);
  });

  it.each(['$..x', '$.a[', '$[*]', 'detail'])('rejects %s', (path) => {
    expect(parsePath(path)).toBeUndefined();
  });
});
