import { readFileSync } from 'node:fs';
import { CronTime } from 'cron';
import { parseDuration } from '../common/duration.js';
import type { AppConfig } from './app-config.js';

/**
 * Settings are declared by the module that uses them, in its `<module>.settings.ts`, with the
 * builders below: each says how the variable is read and checked, its default, and what
 * docs/configuration.md and .env.example say about it (both are generated from these
 * declarations: `npm run config:docs`). `src/config/declarations.ts` lists every group, and
 * `loadConfig` composes them into the `AppConfig`.
 */

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** What a declaration says about its variable, besides its format. */
export interface About {
  /** The value when the variable is unset or empty, as it would be written in `.env`. */
  default?: string | number;
  /** What it does: docs/configuration.md's "Meaning" column. */
  description: string;
  /**
   * The comment above it in .env.example (one or two sentences). Omitted: the variable shares
   * the comment of the one declared before it.
   */
  summary?: string;
  /** docs/configuration.md's "Checks" column, when the format alone ("A duration.") is not all. */
  checks?: string;
  /** docs/configuration.md's "Default" column, when the default alone does not say it. */
  shownDefault?: string;
  /** The value .env.example shows, when it is not the default. */
  example?: string;
  /** A secret: .env.example never shows a value for it. */
  secret?: boolean;
}

/** One environment variable: how it is read and checked, and what the generated docs say. */
export interface Setting<T> {
  /** The default as written in `.env`; `undefined`: unset, the value is `undefined`. */
  readonly default: string | undefined;
  readonly secret: boolean;
  readonly summary: string | undefined;
  readonly description: string;
  /** The Default and Checks columns of docs/configuration.md. */
  readonly shownDefault: string;
  readonly checks: string;
  /** The value written in .env.example. */
  readonly example: string;
  /** Why a raw value (never empty) has the wrong format: one message per rule it breaks. */
  problems(name: string, raw: string): string[];
  /** The typed value of a raw value that has no problems. */
  parse(raw: string): T;
}

/** A builder's value: `T` with a default, `T | undefined` without. */
type Read<T, A> = A extends { default: string | number } ? T : T | undefined;

interface Format<T> {
  /** The Checks column when the declaration gives none. */
  accepts: string;
  problems(name: string, raw: string): string[];
  parse(raw: string): T;
}

function setting<T>(about: About, format: Format<T>): Setting<T> {
  const fallback = about.default === undefined ? undefined : String(about.default);
  if (about.secret && fallback !== undefined) {
    throw new Error('A secret setting has no default: .env.example would publish it');
  }
  return {
    default: fallback,
    secret: about.secret ?? false,
    summary: about.summary,
    description: about.description,
    shownDefault: about.shownDefault ?? (fallback === undefined ? 'unset' : `\`${fallback}\``),
    checks: about.checks ?? format.accepts,
    example: about.secret ? '' : (about.example ?? fallback ?? ''),
    problems: format.problems,
    parse: format.parse,
  };
}

/** A rule with its own check and a message naming the variable and the value. */
function rule(valid: (raw: string) => boolean, expects: string) {
  return (name: string, raw: string) =>
    valid(raw) ? [] : [`${name} must be ${expects} (got "${raw}")`];
}

const quoted = (values: readonly (string | number)[]) => values.map((v) => `\`${v}\``);

/** `a`, `b` or `c` */
function either(values: readonly (string | number)[]): string {
  const q = quoted(values);
  return q.length < 2 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/** Any string; with `pattern`, one that matches it (else `message`). */
export function text<const A extends About & { pattern?: RegExp; message?: string }>(
  about: A,
): Setting<Read<string, A>> {
  const { pattern, message } = about;
  return setting(about, {
    accepts: 'A string.',
    problems: (name, raw) =>
      pattern === undefined || pattern.test(raw)
        ? []
        : [message ?? `${name} must match ${pattern}`],
    parse: (raw) => raw,
  });
}

/** An integer from `min` to `max` (read as JavaScript's `Number()` reads it). */
export function integer<const A extends About & { min: number; max: number }>(
  about: A,
): Setting<Read<number, A>> {
  const { min, max } = about;
  return setting(about, {
    accepts: `Integer ${min}–${max}.`,
    // The rules and messages of class-validator's @Max, @Min and @IsInt, in that order.
    problems: (name, raw) => {
      const n = Number(raw);
      return [
        ...(n <= max ? [] : [`${name} must not be greater than ${max}`]),
        ...(n >= min ? [] : [`${name} must not be less than ${min}`]),
        ...(Number.isInteger(n) ? [] : [`${name} must be an integer number`]),
      ];
    },
    parse: (raw) => Number(raw),
  });
}

/** One of `values`; numbers are read as `Number()` reads them. */
export function oneOf<
  const V extends readonly string[] | readonly number[],
  const A extends About & { message?: string },
>(values: V, about: A): Setting<Read<V[number], A>> {
  const numeric = typeof values[0] === 'number';
  const read = (raw: string): string | number => (numeric ? Number(raw) : raw);
  return setting(about, {
    accepts: `${either(values)}.`,
    problems: (name, raw) =>
      (values as readonly (string | number)[]).includes(read(raw))
        ? []
        : [about.message ?? `${name} must be one of the following values: ${values.join(', ')}`],
    parse: (raw) => read(raw) as V[number],
  });
}

/** `true` or `false`. */
export function flag<const A extends About>(about: A): Setting<Read<boolean, A>> {
  return setting(about, {
    accepts: `${either(['true', 'false'])}.`,
    problems: (name, raw) =>
      raw === 'true' || raw === 'false' ? [] : [`${name} must be true or false`],
    parse: (raw) => raw === 'true',
  });
}

/** A duration (docs/configuration.md, "Durations"), read as milliseconds. */
export function duration<const A extends About>(about: A): Setting<Read<number, A>> {
  return setting(about, {
    accepts: 'A duration.',
    problems: rule((raw) => parseDuration(raw) !== undefined, 'a duration such as 90m, 1h or 7d'),
    parse: (raw) => parseDuration(raw)!,
  });
}

/** An absolute URL with one of `protocols` (`'https:'`, `'postgres:'`, ...). */
export function url<const A extends About>(
  protocols: readonly string[],
  about: A,
): Setting<Read<string, A>> {
  return setting(about, {
    accepts: `A ${either(protocols)} URL.`,
    problems: rule(
      (raw) => URL.canParse(raw) && protocols.includes(new URL(raw).protocol),
      `an absolute URL with scheme ${protocols.join(' or ')}`,
    ),
    parse: (raw) => raw,
  });
}

/** A cron expression with 5 fields, or 6 with seconds first. */
export function cron<const A extends About>(about: A): Setting<Read<string, A>> {
  return setting(about, {
    accepts: 'A cron expression with 5 fields, or 6 with seconds first.',
    problems: rule((raw) => {
      try {
        new CronTime(raw);
        return true;
      } catch {
        return false;
      }
    }, 'a cron expression with 5 or 6 fields'),
    parse: (raw) => raw,
  });
}

/**
 * A comma-separated list, entries trimmed and empty ones dropped; with `of`, every entry must
 * be one of those.
 */
export function list<const A extends About & { of?: readonly string[] }>(
  about: A,
): Setting<Read<A extends { of: readonly (infer E)[] } ? E[] : string[], A>> {
  const { of } = about;
  return setting(about, {
    accepts: of ? `A comma-separated list of ${quoted(of).join(', ')}.` : 'A comma-separated list.',
    problems:
      of === undefined
        ? () => []
        : rule(
            (raw) => raw.split(',').every((entry) => of.includes(entry.trim())),
            `a comma-separated list of ${of.join(', ')}`,
          ),
    parse: (raw) =>
      raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
  }) as Setting<Read<A extends { of: readonly (infer E)[] } ? E[] : string[], A>>;
}

/** What every group's check and mapping may know beyond its own variables. */
export interface SettingsContext {
  /** Production rules apply (docs/configuration.md, "Production mode"). */
  readonly production: boolean;
  /** The issuer: ISSUER, or its development default. */
  readonly issuer: string;
  /** DATABASE_URL is unset: the embedded Postgres serves. */
  readonly embeddedDatabase: boolean;
  /** Logs a warning at start-up. */
  warn(message: string): void;
}

type Settings = Record<string, Setting<unknown>>;

/** The typed values of a group's variables. */
export type ValuesOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** The settings one module owns: one table in docs/configuration.md, one part of .env.example. */
export interface SettingsGroup<S extends Settings = Settings, C = Partial<AppConfig>> {
  /** Names the group in docs/configuration.md's generated blocks. */
  readonly id: string;
  /** The heading of its part of .env.example. */
  readonly title: string;
  /** The variables, in the order the docs list them. */
  readonly settings: S;
  /**
   * Checks across the group's own variables, once every value has the right format: one
   * message per problem. Checks across modules and the production rules are `loadConfig`'s.
   */
  check?(values: ValuesOf<S>, context: SettingsContext): Iterable<string>;
  /** The group's members of `AppConfig`, from its values. */
  config(values: ValuesOf<S>, context: SettingsContext): C;
}

/** Declares a module's settings; the types of `check` and `config` follow from `settings`. */
export function defineSettings<const S extends Settings, C extends Partial<AppConfig>>(
  group: SettingsGroup<S, C>,
): SettingsGroup<S, C> {
  return group;
}

/** Checks that no variable, and no group id, is declared twice; returns the groups. */
export function composeSettings<const G extends readonly SettingsGroup<Settings, unknown>[]>(
  groups: G,
): G {
  const owners = new Map<string, string>();
  const ids = new Set<string>();
  for (const group of groups) {
    if (ids.has(group.id)) throw new Error(`Settings group ${group.id} is declared twice`);
    ids.add(group.id);
    for (const name of Object.keys(group.settings)) {
      const owner = owners.get(name);
      if (owner !== undefined) {
        throw new Error(`${name} is declared twice: by the ${owner} and the ${group.id} settings`);
      }
      owners.set(name, group.id);
    }
  }
  return groups;
}

/** Every variable's typed value, group by group; empty strings count as unset. */
export type GroupValues = Map<SettingsGroup<Settings, unknown>, Record<string, unknown>>;

/**
 * Reads the raw environment into typed values. Format problems of every variable are thrown
 * together, in declaration order, as a `ConfigurationError`.
 */
/**
 * A secret's value from `NAME`, or from the file `NAME_FILE` names (Docker and Kubernetes
 * secrets), without its final line break. Null, with the problem noted, when both are set or
 * the file cannot be read; the file's content never reaches a message.
 */
function secretValue(
  name: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): string | null | undefined {
  const fileName = `${name}_FILE`;
  const file = env[fileName];
  if (file === undefined || file === '') return env[name];
  if (env[name] !== undefined && env[name] !== '') {
    problems.push(`${name} and ${fileName} are both set: set one of them`);
    return null;
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${fileName}: cannot read ${JSON.stringify(file.slice(0, 200))} (${code})`);
    return null;
  }
}

export function readSettings(
  groups: readonly SettingsGroup<Settings, unknown>[],
  env: NodeJS.ProcessEnv,
): GroupValues {
  const problems: string[] = [];
  const values: GroupValues = new Map();
  for (const group of groups) {
    const own: Record<string, unknown> = {};
    for (const [name, declared] of Object.entries(group.settings)) {
      const given = declared.secret ? secretValue(name, env, problems) : env[name];
      if (given === null) continue;
      const raw = given === undefined || given === '' ? declared.default : given;
      if (raw === undefined) {
        own[name] = undefined;
        continue;
      }
      // A secret's value is never quoted back, whether it came from the variable or a file.
      const wrong = declared
        .problems(name, raw)
        .map((problem) =>
          declared.secret && raw.length >= 4 ? problem.split(raw).join('[redacted]') : problem,
        );
      if (wrong.length > 0) problems.push(...wrong);
      else own[name] = declared.parse(raw);
    }
    values.set(group, own);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return values;
}

/** Runs every group's own checks, in declaration order. */
export function checkSettings(values: GroupValues, context: SettingsContext): string[] {
  return [...values].flatMap(([group, own]) => [...(group.check?.(own, context) ?? [])]);
}

/**
 * Every group's members of `AppConfig`, merged. A member that two groups fill is a mistake in
 * the declarations, so it throws.
 */
export function mapSettings(values: GroupValues, context: SettingsContext): object {
  const merged: Record<string, unknown> = {};
  const filledBy = new Map<string, string>();
  for (const [group, own] of values) {
    for (const [member, value] of Object.entries(group.config(own, context) as object)) {
      const other = filledBy.get(member);
      if (other !== undefined) {
        throw new Error(
          `AppConfig.${member} is filled twice: by the ${other} and the ${group.id} settings`,
        );
      }
      filledBy.set(member, group.id);
      merged[member] = value;
    }
  }
  return merged;
}
