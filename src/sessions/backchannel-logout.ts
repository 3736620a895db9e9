import { Metrics } from '../metrics/metrics.js';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { formatDuration } from '../common/duration.js';
import { PeriodicJobs, type PeriodicJob } from '../common/periodic-jobs.js';
import { postForm, type PostFormOutcome } from '../common/post-form.js';
import { randomId } from '../common/random-id.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningService } from '../keys/signing.service.js';
import { Subjects } from '../users/subjects.js';
import type { Session } from './session.entity.js';

/** The one event of a logout token (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token is meant to be used at once: it lives two minutes. */
export const LOGOUT_TOKEN_LIFETIME_S = 120;
/**
 * How often each instance looks for due deliveries anyway. An enqueue kicks the worker and a
 * failure schedules its own retry, so this only picks up rows whose instance went away
 * (their lease ran out) or that another instance queued while this one's kick was lost.
 */
export const BACKCHANNEL_POLL_INTERVAL_MS = 15_000;
/** Retry n waits `retryDelay` times the n-th factor (the last one repeats). */
const BACKOFF_FACTORS = [1, 3, 12, 60, 360];
/** POSTs one instance runs at once. */
const MAX_IN_FLIGHT = 32;
/** A claimed row is left alone by other instances for the timeout plus this. */
const LEASE_MARGIN_MS = 60_000;

interface DeliveryRow {
  id: string;
  client_id: string;
  uri: string;
  user_id: string;
  sid: string;
  attempts: number;
}

/** The wait after a failed attempt number `attempt` (1-based). */
export function retryDelay(base: number, attempt: number): number {
  return base * BACKOFF_FACTORS[Math.min(attempt, BACKOFF_FACTORS.length) - 1];
}

/**
 * Back-Channel Logout 1.0. `notify(session)` queues one delivery per participating client
 * that registered a `backchannel_logout_uri` and returns: the sign-out never waits for a
 * client. The queue is the Postgres table `backchannel_deliveries`, so it survives restarts
 * and is shared by every instance. Each instance polls it (and is kicked after an enqueue),
 * claiming due rows with `FOR UPDATE SKIP LOCKED` and moving their `next_attempt_at` past the
 * POST's timeout in the same statement: a row is sent by one instance at a time. The row
 * holds the claims, not a token: every attempt signs a fresh logout token (new `iat`, `exp`,
 * `jti`), so none is ever sent expired and no usable token rests in the database.
 */
@Injectable()
export class BackchannelLogout implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('BackchannelLogout');
  private readonly inFlight = new Set<Promise<void>>();
  /** Due rows were left for want of room. */
  private backlog = false;
  private stopped = false;
  private readonly worker: PeriodicJob<void>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(PeriodicJobs) jobs: PeriodicJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {
    this.worker = jobs.create({
      name: 'backchannel-logout',
      schedule: { every: BACKCHANNEL_POLL_INTERVAL_MS },
      run: () => this.startDueDeliveries(),
    });
  }

  onModuleInit(): void {
    this.worker.start();
    this.kick(); // what was queued before a restart
  }

  /** Stops polling and lets the POSTs under way finish (each is bounded by the timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.worker.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Queues the logout of an ended session for every client in `session.clients` that
   * registered a `backchannel_logout_uri`, then returns; delivery runs in the background.
   * Never throws: a failure to queue is logged.
   */
  async notify(session: Session): Promise<void> {
    try {
      const clientIds: string[] = [];
      const uris: string[] = [];
      for (const clientId of new Set(session.clients)) {
        const uri = (await this.clients.find(clientId))?.metadata.backchannel_logout_uri;
        if (uri) {
          clientIds.push(clientId);
          uris.push(uri);
        }
      }
      if (clientIds.length === 0) return;
      await this.dataSource.query(
        `INSERT INTO backchannel_deliveries
           (client_id, uri, user_id, sid, attempts, next_attempt_at, created_at)
         SELECT c, u, $3, $4, 0, $5, $5 FROM unnest($1::text[], $2::text[]) AS t(c, u)`,
        [clientIds, uris, session.userId, session.id, new Date(this.clock.now())],
      );
      this.kick();
    } catch (e) {
      this.logger.error(
        `Could not queue back-channel logout of a session of user ${session.userId}: ${message(e)}`,
      );
    }
  }

  /**
   * Looks for due deliveries now, without waiting for the next poll (or right after the look
   * under way).
   */
  kick(): void {
    this.worker.kick();
  }

  /** One pass of the worker: claims due rows while there is room and starts their POSTs. */
  private async startDueDeliveries(): Promise<void> {
    while (!this.stopped) {
      const room = MAX_IN_FLIGHT - this.inFlight.size;
      if (room <= 0) {
        this.backlog = true; // looked at again as soon as a POST is done
        return;
      }
      const rows = await this.claim(room);
      for (const row of rows) {
        const sending: Promise<void> = this.deliver(row).finally(() => {
          this.inFlight.delete(sending);
          if (this.backlog) {
            this.backlog = false;
            this.kick();
          }
        });
        this.inFlight.add(sending);
      }
      if (rows.length < room) return; // all that is due is under way
    }
  }

  /**
   * Takes up to `limit` due rows for this instance: one statement locks them (skipping rows
   * another instance is claiming), counts the attempt and pushes `next_attempt_at` past the
   * POST's timeout, so no other instance sends them meanwhile. Should this instance die
   * mid-POST, the row comes due again when that lease ends.
   */
  private async claim(limit: number): Promise<DeliveryRow[]> {
    const now = this.clock.now();
    const [rows]: [DeliveryRow[], number] = await this.dataSource.query(
      `UPDATE backchannel_deliveries
          SET attempts = attempts + 1, next_attempt_at = $2
        WHERE id IN (
          SELECT id FROM backchannel_deliveries
           WHERE next_attempt_at <= $1
           ORDER BY next_attempt_at
           LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, client_id, uri, user_id, sid, attempts`,
      [
        new Date(now),
        new Date(now + this.config.backchannelLogout.timeout + LEASE_MARGIN_MS),
        limit,
      ],
    );
    return rows;
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { maxAttempts } = this.config.backchannelLogout;
    const what = `Back-channel logout to client ${row.client_id} (session ${row.sid.slice(0, 8)}…, attempt ${row.attempts} of ${maxAttempts})`;
    let reason: string;
    try {
      const client = await this.clients.find(row.client_id);
      const uri = client?.metadata.backchannel_logout_uri;
      if (!client || !uri) {
        this.logger.warn(`${what}: dropped, the client or its backchannel_logout_uri is gone`);
        this.metrics?.backchannelDeliveries.inc({ outcome: 'dropped' });
        await this.remove(row.id);
        return;
      }
      const outcome = await postForm(
        uri,
        { logout_token: await this.logoutToken(row, client) },
        {
          timeoutMs: this.config.backchannelLogout.timeout,
          allowPrivateNetwork: client.origin !== 'registration' || !this.config.production,
        },
      );
      if ('status' in outcome && (outcome.status === 200 || outcome.status === 204)) {
        this.logger.log(`${what}: delivered (HTTP ${outcome.status})`);
        this.metrics?.backchannelDeliveries.inc({ outcome: 'delivered' });
        await this.remove(row.id);
        return;
      }
      reason = describe(outcome);
    } catch (e) {
      reason = message(e);
    }
    await this.failed(row, what, reason).catch((e: unknown) =>
      this.logger.error(`${what}: ${reason}; could not record the failure: ${message(e)}`),
    );
  }

  private async failed(row: DeliveryRow, what: string, reason: string): Promise<void> {
    const { maxAttempts, retryDelay: base } = this.config.backchannelLogout;
    if (row.attempts >= maxAttempts) {
      this.logger.error(`${what}: ${reason}; given up`);
      this.metrics?.backchannelDeliveries.inc({ outcome: 'given_up' });
      await this.remove(row.id);
      return;
    }
    const wait = retryDelay(base, row.attempts);
    this.logger.warn(`${what}: ${reason}; next attempt in ${formatDuration(wait)}`);
    this.metrics?.backchannelDeliveries.inc({ outcome: 'retry' });
    await this.dataSource.query(
      `UPDATE backchannel_deliveries SET next_attempt_at = $2 WHERE id = $1`,
      [row.id, new Date(this.clock.now() + wait)],
    );
    setTimeout(() => this.kick(), wait).unref();
  }

  private async remove(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM backchannel_deliveries WHERE id = $1`, [id]);
  }

  /**
   * A logout token (§2.4) for one client, signed now with its ID token algorithm: `sub` as
   * that client sees the user, `sid` always (so clients that require it get it), no `nonce`.
   */
  private logoutToken(row: DeliveryRow, client: Client): Promise<string> {
    const iat = Math.floor(this.clock.now() / 1000);
    return this.signing.sign(
      {
        iss: this.config.issuer,
        aud: client.clientId,
        iat,
        exp: iat + LOGOUT_TOKEN_LIFETIME_S,
        jti: randomId(16),
        sub: this.subjects.subjectFor(row.user_id, client.metadata),
        sid: row.sid,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      },
      { alg: client.metadata.id_token_signed_response_alg, typ: 'logout+jwt' },
    );
  }
}

function describe(outcome: PostFormOutcome): string {
  return 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
