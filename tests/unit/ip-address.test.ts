import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, formatIp, parseCidr, parseIp } from '../../src/net/ip-address.ts';

test('parseIp: IPv4, IPv6 with compression, IPv4 tails and zones; malformed input refused', () => {
  assert.equal(formatIp(parseIp('192.0.2.1')!), '192.0.2.1');
  assert.equal(formatIp(parseIp('::ffff:192.0.2.1')!), '192.0.2.1');
  assert.equal(formatIp(parseIp('0:0:0:0:0:ffff:c000:0201')!), '192.0.2.1');
  assert.equal(formatIp(parseIp('2001:db8::1')!), '2001:db8:0:0:0:0:0:1');
  assert.equal(formatIp(parseIp('::')!), '0:0:0:0:0:0:0:0');
  assert.equal(formatIp(parseIp('1::')!), '1:0:0:0:0:0:0:0');
  assert.equal(formatIp(parseIp('fe80::1%eth0')!), 'fe80:0:0:0:0:0:0:1');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-1', ':1', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '::1:2:3:4:5:6:7:8', '12345::', 'g::1', '1.2.3.4::', '::1.2.3', 'x'.repeat(100)]) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('CIDRs: prefix bounds per family; containment across IPv4 and IPv4-mapped', () => {
  const v4 = parseCidr('10.1.0.0/16')!;
  assert.equal(cidrContains(v4, parseIp('10.1.200.3')!), true);
  assert.equal(cidrContains(v4, parseIp('::ffff:10.1.0.9')!), true);
  assert.equal(cidrContains(v4, parseIp('10.2.0.1')!), false);
  assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('2001:db8::1')!), false, 'an IPv4 range holds no IPv6 address');
  assert.equal(cidrContains(parseCidr('::/0')!, parseIp('2001:db8::1')!), true);
  assert.equal(cidrContains(parseCidr('2001:db8::/33')!, parseIp('2001:db8:7fff::1')!), true);
  assert.equal(cidrContains(parseCidr('2001:db8::/33')!, parseIp('2001:db8:8000::1')!), false);
  assert.equal(cidrContains(parseCidr('192.0.2.7')!, parseIp('192.0.2.7')!), true);
  assert.equal(cidrContains(parseCidr('192.0.2.7')!, parseIp('192.0.2.8')!), false);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/a', '10.0.0.0/08x', 'host/8']) assert.equal(parseCidr(bad), undefined, bad);
});
