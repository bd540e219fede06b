import { z } from 'zod';

/** The support level a ticket needs: 1 answers from the knowledge base, 2 and 3 need specialists. */
export const supportLevelSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type SupportLevel = z.infer<typeof supportLevelSchema>;

/** A knowledge-base article an answer is grounded in. */
export const citationSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
});
export type Citation = z.infer<typeof citationSchema>;

/** Every state of the ticket machine; `machines/machine.ts` declares exactly these (a unit spec checks it). */
export const ticketStatuses = [
  'new',
  'received',
  'classifying',
  'classified',
  'drafting',
  'suggesting',
  'answered',
  'escalated',
  'assigned',
  'in_progress',
  'waiting_on_requester',
  'resolved',
  'reopened',
  'closed',
] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

export const isTicketStatus = (value: string): value is TicketStatus =>
  (ticketStatuses as readonly string[]).includes(value);

/** Who is acting on a ticket, as far as the ticket's rules care. */
export type TicketActor =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      email: string;
      role: 'requester' | 'agent' | 'auditor' | 'integrator' | 'admin';
      /** Agents: the levels they serve. */
      levels: readonly SupportLevel[];
      /** Agents: a lead may assign tickets to others. */
      lead: boolean;
    };
