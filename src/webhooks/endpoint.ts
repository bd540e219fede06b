import type {
  DomainEvent,
  EncryptedSecret,
  EventMetadata,
  VersionedEvent,
  WebhookOrdering,
} from '../events/index.ts';
import { webhookStreamId } from '../events/index.ts';
import { handleCommand, type Decider, type EventStore } from '../eventstore/index.ts';
import type { SupportLevel } from '../../machines/index.ts';

/** A webhook endpoint as its stream folds (pure; never throws on history). */
export interface EndpointState {
  endpointId: string;
  ownerId: string;
  url: string;
  types: string[] | null;
  levels: SupportLevel[] | null;
  ordering: WebhookOrdering;
  enabled: boolean;
  description: string | null;
  secrets: EncryptedSecret[];
  deleted: boolean;
  version: number;
}

/** What a webhook command can fail with; src/api/problem.ts maps each to its HTTP answer. */
export class WebhookError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_target' | 'invalid_position',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export function evolveEndpoint(
  state: EndpointState | null,
  event: VersionedEvent,
): EndpointState | null {
  if (event.type === 'WebhookEndpointCreated') {
    const d = event.data;
    return {
      endpointId: d.endpointId,
      ownerId: d.ownerId,
      url: d.url,
      types: d.types,
      levels: d.levels,
      ordering: d.ordering,
      enabled: d.enabled,
      description: d.description ?? null,
      secrets: d.secrets,
      deleted: false,
      version: event.version,
    };
  }
  if (!state) return null;
  switch (event.type) {
    case 'WebhookEndpointUpdated': {
      const { description, ...changes } = event.data;
      const defined = Object.fromEntries(
        Object.entries(changes).filter(([k, v]) => v !== undefined && k !== 'endpointId'),
      ) as Partial<EndpointState>;
      return {
        ...state,
        ...defined,
        ...(description !== undefined ? { description } : {}),
        version: event.version,
      };
    }
    case 'WebhookSecretsRotated':
      return { ...state, secrets: event.data.secrets, version: event.version };
    case 'WebhookEndpointDisabled':
      return { ...state, enabled: false, version: event.version };
    case 'WebhookEndpointDeleted':
      return { ...state, deleted: true, enabled: false, version: event.version };
    default:
      return { ...state, version: event.version };
  }
}

const endpointDecider: Decider<EndpointState | null> = {
  initial: () => null,
  evolve: evolveEndpoint,
};

/** Every change to an endpoint is an event of its stream, written through the command handler. */
export function createEndpointCommands(store: EventStore, now: () => Date) {
  async function write(
    endpointId: string,
    actor: EventMetadata['actor'],
    decide: (state: EndpointState | null) => DomainEvent[],
  ): Promise<EndpointState | null> {
    const { stream } = await handleCommand(
      store,
      webhookStreamId(endpointId),
      endpointDecider,
      decide,
      { actor, now, retries: 3 },
    );
    return stream.state;
  }

  /** A live endpoint, or not_found (also for a deleted one). */
  const live = (state: EndpointState | null, endpointId: string): EndpointState => {
    if (!state || state.deleted) throw new WebhookError('not_found', `no webhook ${endpointId}`);
    return state;
  };

  return {
    async load(endpointId: string): Promise<EndpointState | null> {
      const events = await store.readStream(webhookStreamId(endpointId));
      return events.reduce(evolveEndpoint, null);
    },
    live,
    write,
    async update(
      endpointId: string,
      actor: EventMetadata['actor'],
      decide: (state: EndpointState) => DomainEvent[],
    ): Promise<EndpointState> {
      return live(await write(endpointId, actor, (s) => decide(live(s, endpointId))), endpointId);
    },
  };
}

export type EndpointCommands = ReturnType<typeof createEndpointCommands>;
