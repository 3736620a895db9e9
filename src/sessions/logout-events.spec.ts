import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackchannelLogout } from './backchannel-logout.js';
import { LogoutEvents } from './logout-events.js';
import type { Session } from './session.entity.js';

const session = (id: string) => ({ id, clients: ['rp'] }) as unknown as Session;

test('every step runs for every session, even when one fails, and nothing is thrown', async () => {
  const notified: string[] = [];
  const backchannel = {
    notify: (s: Session) => {
      notified.push(s.id);
      return s.id === 'b' ? Promise.reject(new Error('queue down')) : Promise.resolve();
    },
  } as unknown as BackchannelLogout;
  const events = new LogoutEvents(backchannel);
  const heard: string[] = [];
  events.onEnded((s) => {
    heard.push(s.id);
    return Promise.reject(new Error('listener failed'));
  });
  events.onEnded((s) => Promise.resolve(heard.push(`second:${s.id}`)));

  await events.ended([session('a'), session('b')]);
  await events.ended(session('c'));
  assert.deepEqual(notified, ['a', 'b', 'c']);
  assert.deepEqual(heard, ['a', 'second:a', 'b', 'second:b', 'c', 'second:c']);
});
