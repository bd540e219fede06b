import type { Projection } from '../src/projector/types.ts';
import { writeRows } from '../src/projector/rows.ts';

/** Answers given to requesters: drafted by the model (and, later, written by agents). */
export const responsesProjection: Projection = {
  name: 'responses',
  tables: ['tf_responses'],
  migrations: [
    {
      id: '120_responses',
      statements: [
        `CREATE TABLE tf_responses (
          event_id uuid PRIMARY KEY,
          ticket_id uuid NOT NULL,
          kind text NOT NULL,
          body text NOT NULL,
          citations jsonb NOT NULL DEFAULT '[]',
          author text NOT NULL,
          created_at timestamptz NOT NULL
        )`,
        `CREATE INDEX tf_responses_ticket ON tf_responses (ticket_id, created_at)`,
      ],
    },
  ],
  handles: ['AnswerDrafted'],

  async apply(tx, events) {
    const rows = events.flatMap((event) =>
      event.type === 'AnswerDrafted'
        ? [
            {
              event_id: event.id,
              ticket_id: event.streamId.slice('ticket-'.length),
              kind: 'auto_answer',
              body: event.data.answer,
              citations: event.data.citations,
              author: event.data.model,
              created_at: event.timestamp,
            },
          ]
        : [],
    );
    await writeRows(tx, 'insert', 'tf_responses', ['event_id'], rows);
  },
};
