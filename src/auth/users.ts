import { randomUUID } from 'node:crypto';
import {
  createEvent,
  type AnyNewEvent,
  type EventMetadata,
  type StoredEvent,
  type UserRole,
} from '../events/index.ts';
import { ConcurrencyError, type EventStore } from '../eventstore/index.ts';
import type { SupportLevel } from '../llm/types.ts';
import { uuidFromName } from '../workflow/ids.ts';
import { generateToken } from './tokens.ts';

/**
 * People with roles, each in their own stream `user-<id>`. The id is derived from the email, so
 * the stream of an email is known without a read model and an email can be created only once.
 */
export const userStreamPrefix = 'user-';
export const userIdFor = (email: string) => uuidFromName(`user\0${email.trim().toLowerCase()}`);
export const userStreamId = (userId: string) => `${userStreamPrefix}${userId}`;

export interface Grant {
  levels: SupportLevel[];
  lead: boolean;
}

export interface UserState {
  userId: string;
  email: string;
  name: string | null;
  roles: Partial<Record<UserRole, Grant>>;
  tokens: Map<string, { role: UserRole; revoked: boolean; label: string | null }>;
  version: number;
}

export class UserError extends Error {
  constructor(
    readonly code: 'exists' | 'not_found' | 'role_not_granted' | 'token_not_found',
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Rebuilds a user from their stream (pure). */
export function foldUser(events: readonly StoredEvent[]): UserState | null {
  let user: UserState | null = null;
  for (const event of events) {
    switch (event.type) {
      case 'UserCreated':
        user = {
          userId: event.data.userId,
          email: event.data.email,
          name: event.data.name ?? null,
          roles: {},
          tokens: new Map(),
          version: event.version,
        };
        break;
      case 'RoleGranted':
        if (!user) break;
        user.roles[event.data.role] = {
          levels: event.data.levels ?? [],
          lead: event.data.lead ?? false,
        };
        break;
      case 'TokenIssued':
        user?.tokens.set(event.data.tokenId, {
          role: event.data.role,
          revoked: false,
          label: event.data.label ?? null,
        });
        break;
      case 'TokenRevoked': {
        const token = user?.tokens.get(event.data.tokenId);
        if (token) token.revoked = true;
        break;
      }
      default:
        break;
    }
    if (user) user.version = event.version;
  }
  return user;
}

const metadataOf = (actor: EventMetadata['actor']): EventMetadata => ({
  actor,
  correlationId: randomUUID(),
});

/** Creating users, granting roles, issuing and revoking tokens: each an event in the user's stream. */
export function createUserDirectory(store: EventStore, now: () => Date = () => new Date()) {
  async function load(email: string) {
    const userId = userIdFor(email);
    const events = await store.readStream(userStreamId(userId));
    return { userId, user: foldUser(events) };
  }

  const event = (type: AnyNewEvent['type'], data: unknown, actor: EventMetadata['actor']) =>
    createEvent(type, data as never, metadataOf(actor), { timestamp: now() }) as AnyNewEvent;

  return {
    load,

    async get(userId: string): Promise<UserState | null> {
      return foldUser(await store.readStream(userStreamId(userId)));
    },

    /** Creates a user with a role; fails with `exists` when the email already has a user. */
    async create(
      input: {
        email: string;
        name?: string | undefined;
        role: UserRole;
        levels?: SupportLevel[];
        lead?: boolean;
      },
      actor: EventMetadata['actor'],
    ): Promise<UserState> {
      const email = input.email.trim().toLowerCase();
      const userId = userIdFor(email);
      const events = [
        event('UserCreated', { userId, email, ...(input.name ? { name: input.name } : {}) }, actor),
        event('RoleGranted', roleData(userId, input.role, input.levels, input.lead), actor),
      ];
      try {
        await store.appendToStream(userStreamId(userId), events, 'no_stream');
      } catch (error) {
        if (error instanceof ConcurrencyError)
          throw new UserError('exists', `a user with email ${email} exists`);
        throw error;
      }
      return (await load(email)).user!;
    },

    async grant(
      email: string,
      input: { role: UserRole; levels?: SupportLevel[]; lead?: boolean },
      actor: EventMetadata['actor'],
    ): Promise<UserState> {
      const { userId, user } = await load(email);
      if (!user) throw new UserError('not_found', `no user with email ${email}`);
      await store.appendToStream(
        userStreamId(userId),
        [event('RoleGranted', roleData(userId, input.role, input.levels, input.lead), actor)],
        user.version,
      );
      return (await load(email)).user!;
    },

    /** Issues a token for one of the user's roles. The token is returned once and never stored. */
    async issueToken(
      email: string,
      input: { role?: UserRole | undefined; label?: string | undefined },
      actor: EventMetadata['actor'],
    ): Promise<{ token: string; tokenId: string; role: UserRole; userId: string }> {
      const { userId, user } = await load(email);
      if (!user) throw new UserError('not_found', `no user with email ${email}`);
      const granted = Object.keys(user.roles) as UserRole[];
      const role = input.role ?? granted[0];
      if (!role || !granted.includes(role)) {
        throw new UserError(
          'role_not_granted',
          `${email} has no ${input.role ?? 'role'}; granted: ${granted.join(', ') || 'none'}`,
        );
      }
      const { token, hash } = generateToken();
      const tokenId = randomUUID();
      await store.appendToStream(
        userStreamId(userId),
        [
          event(
            'TokenIssued',
            { userId, tokenId, role, hash, ...(input.label ? { label: input.label } : {}) },
            actor,
          ),
        ],
        user.version,
      );
      return { token, tokenId, role, userId };
    },

    async revokeToken(
      userId: string,
      tokenId: string,
      actor: EventMetadata['actor'],
    ): Promise<void> {
      const user = foldUser(await store.readStream(userStreamId(userId)));
      const token = user?.tokens.get(tokenId);
      if (!user || !token)
        throw new UserError('token_not_found', `no token ${tokenId} for user ${userId}`);
      if (token.revoked) return;
      await store.appendToStream(
        userStreamId(userId),
        [event('TokenRevoked', { userId, tokenId }, actor)],
        user.version,
      );
    },
  };
}

function roleData(userId: string, role: UserRole, levels?: SupportLevel[], lead?: boolean) {
  if (role !== 'agent') return { userId, role };
  return {
    userId,
    role,
    levels: [...new Set(levels?.length ? levels : [1, 2, 3])].sort() as SupportLevel[],
    lead: lead ?? false,
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
