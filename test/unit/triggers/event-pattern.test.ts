import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../src/triggers/event-pattern.ts';

const event = {
  id: 'e1',
  source: 'com.example.orders',
  'detail-type': 'Order Placed',
  time: '2026-11-27T10:00:00Z',
  resources: ['arn:aws:s3:::bucket-a', 'arn:aws:s3:::bucket-b'],
  detail: {
    state: 'initializing',
    total: 250,
    customer: { tier: 'Gold', email: 'ann@example.com' },
    'file-name': 'report.PNG',
    'source-ip': '10.0.0.42',
    items: [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 5 },
    ],
    tags: ['red', 'blue'],
    coupon: null,
  },
};

describe('matchesPattern', () => {
  it.each([
    ['exact string', { source: ['com.example.orders'] }, true],
    ['exact string, one of several', { source: ['x', 'com.example.orders'] }, true],
    ['exact string that differs', { source: ['com.example.other'] }, false],
    ['exact number', { detail: { total: [250] } }, true],
    ['a number never equals its string', { detail: { total: ['250'] } }, false],
    ['null', { detail: { coupon: [null] } }, true],
    ['several fields are all required', { source: ['com.example.orders'], 'detail-type': ['Nope'] }, false],
    ['prefix', { 'detail-type': [{ prefix: 'Order' }] }, true],
    ['prefix that differs', { 'detail-type': [{ prefix: 'order' }] }, false],
    ['prefix ignoring case', { 'detail-type': [{ prefix: { 'equals-ignore-case': 'order' } }] }, true],
    ['suffix', { detail: { 'file-name': [{ suffix: '.PNG' }] } }, true],
    [
      'suffix ignoring case',
      { detail: { 'file-name': [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      true,
    ],
    ['suffix that differs', { detail: { 'file-name': [{ suffix: '.png' }] } }, false],
    ['equals-ignore-case', { detail: { customer: { tier: [{ 'equals-ignore-case': 'gold' }] } } }, true],
    ['anything-but a value', { detail: { state: [{ 'anything-but': 'running' }] } }, true],
    ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'initializing' }] } }, false],
    ['anything-but a list', { detail: { state: [{ 'anything-but': ['a', 'initializing'] }] } }, false],
    ['anything-but a number', { detail: { total: [{ 'anything-but': 100 }] } }, true],
    ['anything-but a prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, false],
    ['anything-but a suffix', { detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } }, false],
    [
      'anything-but ignoring case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'INITIALIZING' } }] } },
      false,
    ],
    [
      'anything-but a wildcard',
      { detail: { 'file-name': [{ 'anything-but': { wildcard: '*.txt' } }] } },
      true,
    ],
    ['anything-but on a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['numeric range', { detail: { total: [{ numeric: ['>', 100, '<=', 250] }] } }, true],
    ['numeric outside the range', { detail: { total: [{ numeric: ['>', 250] }] } }, false],
    ['numeric equality', { detail: { total: [{ numeric: ['=', 250] }] } }, true],
    ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['exists', { detail: { customer: { email: [{ exists: true }] } } }, true],
    ['exists on a missing field', { detail: { phone: [{ exists: true }] } }, false],
    ['does not exist', { detail: { phone: [{ exists: false }] } }, true],
    ['does not exist, but does', { detail: { state: [{ exists: false }] } }, false],
    ['wildcard', { source: [{ wildcard: 'com.*.orders' }] }, true],
    ['wildcard that differs', { source: [{ wildcard: 'com.*.invoices' }] }, false],
    ['wildcard with an escaped star', { source: [{ wildcard: 'com\\*' }] }, false],
    ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['cidr outside', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
    ['an array value matches if any element does', { resources: ['arn:aws:s3:::bucket-b'] }, true],
    ['an array value, no element matching', { resources: ['arn:aws:s3:::bucket-c'] }, false],
    ['an array value with prefix', { detail: { tags: [{ prefix: 'bl' }] } }, true],
    [
      'nested objects inside an array',
      { detail: { items: { sku: ['b'], qty: [{ numeric: ['>=', 5] }] } } },
      true,
    ],
    [
      'nested fields must hold in one element',
      { detail: { items: { sku: ['a'], qty: [{ numeric: ['>=', 5] }] } } },
      false,
    ],
    ['nested field on a missing object', { detail: { missing: { x: ['y'] } } }, false],
    ['$or, one branch matching', { $or: [{ source: ['nope'] }, { detail: { total: [250] } }] }, true],
    ['$or, no branch matching', { $or: [{ source: ['nope'] }, { detail: { total: [1] } }] }, false],
    ['the empty pattern', {}, true],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});
