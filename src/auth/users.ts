import { randomUUID } from 'node:crypto';
import type {
  DomainEvent,
  EventData,
  EventMetadata,
  UserRole,
  VersionedEvent,
} from '../events/index.ts';
import { handleCommand, type Decider, type EventStore } from '../eventstore/index.ts';
import type { SupportLevel } from '../../machines/index.ts';
import { uuidFromName } from '../workflow/index.ts';
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

/** One event of a user's stream folded into the user (pure; never throws on history). */
export function evolveUser(user: UserState | null, event: VersionedEvent): UserState | null {
  switch (event.type) {
    case 'UserCreated':
      return {
        userId: event.data.userId,
        email: event.data.email,
        name: event.data.name ?? null,
        roles: {},
        tokens: new Map(),
        version: event.version,
      };
    case 'RoleGranted':
      if (!user) return null;
      return {
        ...user,
        roles: {
          ...user.roles,
          [event.data.role]: { levels: event.data.levels ?? [], lead: event.data.lead ?? false },
        },
        version: event.version,
      };
    case 'TokenIssued':
    case 'TokenRevoked': {
      if (!user) return null;
      const tokens = new Map(user.tokens);
      const { tokenId } = event.data;
      if (event.type === 'TokenIssued') {
        tokens.set(tokenId, {
          role: event.data.role,
          revoked: false,
          label: event.data.label ?? null,
        });
      } else {
        const token = tokens.get(tokenId);
        if (token) tokens.set(tokenId, { ...token, revoked: true });
      }
      return { ...user, tokens, version: event.version };
    }
    default:
      return user ? { ...user, version: event.version } : null;
  }
}

/** Rebuilds a user from their stream (pure). */
export const foldUser = (events: readonly VersionedEvent[]): UserState | null =>
  events.reduce(evolveUser, null);

const userDecider: Decider<UserState | null> = { initial: () => null, evolve: evolveUser };

/** Creating users, granting roles, issuing and revoking tokens: each an event in the user's stream. */
export function createUserDirectory(store: EventStore, now: () => Date = () => new Date()) {
  async function load(email: string) {
    const userId = userIdFor(email);
    const events = await store.readStream(userStreamId(userId));
    return { userId, user: foldUser(events) };
  }

  /** Every change to a user goes through the one command handler; a conflict is decided again. */
  async function write(
    userId: string,
    actor: EventMetadata['actor'],
    decide: (user: UserState | null) => DomainEvent[],
  ): Promise<UserState | null> {
    const { stream } = await handleCommand(store, userStreamId(userId), userDecider, decide, {
      actor,
      now,
      retries: 3,
    });
    return stream.state;
  }

  const existing = (user: UserState | null, email: string): UserState => {
    if (!user) throw new UserError('not_found', `no user with email ${email}`);
    return user;
  };

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
      const created = await write(userId, actor, (user) => {
        if (user) throw new UserError('exists', `a user with email ${email} exists`);
        return [
          {
            type: 'UserCreated',
            data: { userId, email, ...(input.name ? { name: input.name } : {}) },
          },
          { type: 'RoleGranted', data: roleData(userId, input.role, input.levels, input.lead) },
        ];
      });
      return existing(created, email);
    },

    async grant(
      email: string,
      input: { role: UserRole; levels?: SupportLevel[]; lead?: boolean },
      actor: EventMetadata['actor'],
    ): Promise<UserState> {
      const userId = userIdFor(email);
      const granted = await write(userId, actor, (user) => {
        existing(user, email);
        return [
          { type: 'RoleGranted', data: roleData(userId, input.role, input.levels, input.lead) },
        ];
      });
      return existing(granted, email);
    },

    /** Issues a token for one of the user's roles. The token is returned once and never stored. */
    async issueToken(
      email: string,
      input: { role?: UserRole | undefined; label?: string | undefined },
      actor: EventMetadata['actor'],
    ): Promise<{ token: string; tokenId: string; role: UserRole; userId: string }> {
      const userId = userIdFor(email);
      const { token, hash } = generateToken();
      const tokenId = randomUUID();
      let role: UserRole | undefined;
      await write(userId, actor, (user) => {
        const granted = Object.keys(existing(user, email).roles) as UserRole[];
        role = input.role ?? granted[0];
        if (!role || !granted.includes(role)) {
          throw new UserError(
            'role_not_granted',
            `${email} has no ${input.role ?? 'role'}; granted: ${granted.join(', ') || 'none'}`,
          );
        }
        const label = input.label ? { label: input.label } : {};
        return [{ type: 'TokenIssued', data: { userId, tokenId, role, hash, ...label } }];
      });
      return { token, tokenId, role: role!, userId };
    },

    async revokeToken(
      userId: string,
      tokenId: string,
      actor: EventMetadata['actor'],
    ): Promise<void> {
      await write(userId, actor, (user) => {
        const token = user?.tokens.get(tokenId);
        if (!token)
          throw new UserError('token_not_found', `no token ${tokenId} for user ${userId}`);
        return token.revoked ? [] : [{ type: 'TokenRevoked', data: { userId, tokenId } }];
      });
    },
  };
}

function roleData(
  userId: string,
  role: UserRole,
  levels?: SupportLevel[],
  lead?: boolean,
): EventData<'RoleGranted'> {
  if (role !== 'agent') return { userId, role };
  return {
    userId,
    role,
    levels: [...new Set(levels?.length ? levels : [1, 2, 3])].sort() as SupportLevel[],
    lead: lead ?? false,
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
