// End-to-end test of redpool with Node clients, run by
// cmd/redpool/server/clients_test.go: node-redis with its default options
// (RESP3, HELLO 3 on connect) and ioredis (RESP2). REDPOOL_ADDR is the
// server's host:port. Exits non-zero with a message on the first failure.
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import Redis from 'ioredis';

const [host, port] = (process.env.REDPOOL_ADDR ?? '127.0.0.1:6379').split(':');

async function nodeRedis() {
  const c = createClient({ url: `redis://${host}:${port}` });
  c.on('error', (err) => { throw err; });
  await c.connect();
  try {
    const hello = await c.sendCommand(['HELLO']);
    assert.equal(hello.proto, 3, 'HELLO proto');
    assert.equal(hello.server, 'redis');
    assert.equal(await c.ping(), 'PONG');
    assert.equal(await c.set('nr:k', 'v'), 'OK');
    assert.equal(await c.get('nr:k'), 'v');
    assert.equal(await c.get('nr:missing'), null);
    assert.deepEqual(await c.mGet(['nr:k', 'nr:missing']), ['v', null]);
    assert.equal(await c.incr('nr:n'), 1);
    assert.equal(await c.incrByFloat('nr:f', 1.5), '1.5');
    await assert.rejects(c.incr('nr:k'), /ERR value is not an integer or out of range/);
    assert.equal(await c.hSet('nr:h', { a: '1', b: '2' }), 2);
    assert.deepEqual({ ...(await c.hGetAll('nr:h')) }, { a: '1', b: '2' });
    assert.deepEqual({ ...(await c.hGetAll('nr:nohash')) }, {});
    assert.deepEqual(await c.hmGet('nr:h', ['a', 'zz']), ['1', null]);
    assert.equal(await c.rPush('nr:l', ['a', 'b', 'c']), 3);
    assert.deepEqual(await c.lRange('nr:l', 0, -1), ['a', 'b', 'c']);
    assert.equal(await c.lPopCount('nr:nolist', 2), null);
    assert.equal(await c.blPop('nr:nolist', 0.01), null);
    assert.equal(await c.exists('nr:k'), 1);
    assert.equal(await c.expire('nr:k', 100), 1);
    assert.equal(await c.ttl('nr:k'), 100);
    const cfg = await c.configGet('maxclients');
    assert.equal(cfg.maxclients, '10000');
    const info = await c.info('server');
    assert.match(info, /^# Server\r\nredis_version:/);
    const ci = await c.sendCommand(['CLIENT', 'INFO']);
    assert.match(String(ci), / resp=3\b/);
    const scan = await c.scan('0', { MATCH: 'nr:*', COUNT: 100 });
    assert.equal(scan.cursor, '0');
    assert.deepEqual([...scan.keys].sort(), ['nr:f', 'nr:h', 'nr:k', 'nr:l', 'nr:n']);
    // Transactions: replies in order, a runtime error in place.
    assert.deepEqual(await c.multi().set('nr:m', '1').incr('nr:m').get('nr:m').exec(), ['OK', 2, '2']);
    assert.deepEqual(await c.multi().exec(), []);
    await assert.rejects(c.multi().set('nr:s', 'x').lPush('nr:s', '1').get('nr:s').exec(), (err) => {
      assert.equal(err.constructor.name, 'MultiErrorReply');
      assert.deepEqual(err.errorIndexes, [1]);
      assert.equal(err.replies[0], 'OK');
      assert.match(String(err.replies[1]), /WRONGTYPE Operation against a key holding the wrong kind of value/);
      assert.equal(err.replies[2], 'x');
      return true;
    });
  } finally {
    await c.quit();
  }
}

async function ioredis() {
  const c = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  try {
    assert.equal(await c.set('io:k', 'v'), 'OK');
    assert.equal(await c.get('io:k'), 'v');
    assert.equal(await c.get('io:missing'), null);
    assert.equal(await c.hset('io:h', 'a', '1', 'b', '2'), 2);
    assert.deepEqual(await c.hgetall('io:h'), { a: '1', b: '2' });
    assert.equal(await c.rpush('io:l', 'a', 'b'), 2);
    assert.deepEqual(await c.lrange('io:l', 0, -1), ['a', 'b']);
    assert.deepEqual(await c.config('GET', 'maxclients'), ['maxclients', '10000']);
    const results = await c.pipeline().incr('io:n').incr('io:n').get('io:n').exec();
    assert.deepEqual(results, [[null, 1], [null, 2], [null, '2']]);
    // Transactions: replies in order, a runtime error in place, EXECABORT
    // after a command refused while queueing (the SET below lacks its value).
    assert.deepEqual(await c.multi().set('io:m', 1).incr('io:m').exec(), [[null, 'OK'], [null, 2]]);
    const [ok, wrong] = await c.multi().set('io:s', 'x').lpush('io:s', '1').exec();
    assert.deepEqual(ok, [null, 'OK']);
    assert.match(wrong[0].message, /^WRONGTYPE Operation against a key holding the wrong kind of value/);
    await assert.rejects(c.multi().set('io:z').incr('io:m').exec(), /EXECABORT Transaction discarded because of previous errors\./);
    assert.equal(await c.get('io:m'), '2');
    // WATCH: another client's write makes exec() resolve to null.
    const other = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0 });
    await other.connect();
    try {
      await c.set('io:w', '1');
      assert.equal(await c.watch('io:w'), 'OK');
      await other.set('io:w', '2');
      assert.equal(await c.multi().incr('io:w').exec(), null);
      assert.equal(await c.watch('io:w'), 'OK');
      await other.get('io:w');
      assert.deepEqual(await c.multi().incr('io:w').exec(), [[null, 3]]);
      assert.equal(await c.watch('io:w'), 'OK');
      assert.equal(await c.unwatch(), 'OK');
      await other.set('io:w', '5');
      assert.deepEqual(await c.multi().incr('io:w').exec(), [[null, 6]]);
    } finally {
      await other.quit();
    }
  } finally {
    await c.quit();
  }
}

// nextMessage returns a promise of the next message a listener gets, and
// the listener; it rejects after five seconds.
function nextMessage() {
  let resolve;
  const got = new Promise((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error('no message within 5s')), 5000).unref();
  });
  return { got, listener: (...args) => resolve(args) };
}

// node-redis in RESP3: messages come as push frames, and the subscribed
// client still runs ordinary commands.
async function nodeRedisPubSub() {
  const pub = createClient({ url: `redis://${host}:${port}` });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) {
    c.on('error', (err) => { throw err; });
    await c.connect();
  }
  try {
    const m1 = nextMessage();
    await sub.subscribe('nr:ch', m1.listener);
    assert.equal(await sub.get('nr:ps'), null, 'a command while subscribed (RESP3)');
    assert.equal(await pub.publish('nr:ch', 'hello'), 1);
    assert.deepEqual(await m1.got, ['hello', 'nr:ch']);
    const m2 = nextMessage();
    await sub.pSubscribe('nr:p*', m2.listener);
    assert.equal(await pub.publish('nr:pattern', 'by pattern'), 1);
    assert.deepEqual(await m2.got, ['by pattern', 'nr:pattern']);
    const counts = await pub.pubSubNumSub(['nr:ch', 'nr:none']);
    assert.equal(counts['nr:ch'] ?? counts.get?.('nr:ch'), 1);
    assert.equal(await pub.pubSubNumPat(), 1);
    await sub.unsubscribe('nr:ch');
    await sub.pUnsubscribe('nr:p*');
    assert.equal(await pub.publish('nr:ch', 'nobody'), 0);
    assert.equal(await sub.ping(), 'PONG');
  } finally {
    await sub.quit();
    await pub.quit();
  }
}

// ioredis in RESP2: a subscriber connection in subscribed mode.
async function ioredisPubSub() {
  const pub = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0 });
  const sub = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0 });
  await pub.connect();
  await sub.connect();
  try {
    const m1 = nextMessage();
    sub.on('message', m1.listener);
    assert.equal(await sub.subscribe('io:ch', 'io:ch2'), 2);
    assert.equal(await pub.publish('io:ch', 'hello'), 1);
    assert.deepEqual(await m1.got, ['io:ch', 'hello']);
    const m2 = nextMessage();
    sub.on('pmessage', m2.listener);
    assert.equal(await sub.psubscribe('io:p*'), 3);
    assert.equal(await pub.publish('io:pattern', 'by pattern'), 1);
    assert.deepEqual(await m2.got, ['io:p*', 'io:pattern', 'by pattern']);
    // (ioredis itself refuses other commands in subscriber mode.)
    assert.deepEqual(await pub.pubsub('NUMSUB', 'io:ch'), ['io:ch', 1]);
    await sub.unsubscribe();
    await sub.punsubscribe();
    assert.equal(await pub.publish('io:ch', 'nobody'), 0);
  } finally {
    sub.disconnect();
    await pub.quit();
  }
}

await nodeRedis();
await ioredis();
await nodeRedisPubSub();
await ioredisPubSub();
console.log('node clients ok');
