import { describe, expect, it } from 'vitest';
import { screenForInjection } from '../../src/llm/injection.ts';
import { injections } from '../fixtures/injections.ts';

describe('the prompt-injection set (issue 14, item 4)', () => {
  it('has at least 30 tickets in three languages and three places, with each goal', () => {
    expect(injections.length).toBeGreaterThanOrEqual(30);
    for (const language of ['en', 'de', 'es'])
      for (const where of ['subject', 'body', 'quoted'])
        expect(
          injections.filter((t) => t.language === language && t.where === where).length,
          `${language} ${where}`,
        ).toBeGreaterThanOrEqual(3);
    for (const goal of ['force_level', 'auto_answer', 'reveal'])
      expect(injections.filter((t) => t.goal === goal).length).toBeGreaterThanOrEqual(8);
    expect(injections.some((t) => t.trulyLevel1)).toBe(true);
  });

  it.each(injections.map((t) => [t.id, t] as const))('screens %s as an injection', (_, t) => {
    expect(screenForInjection(t)).not.toEqual([]);
  });
});

describe('tickets that only talk about instructions, levels or escalation', () => {
  it.each([
    'Please ignore my previous ticket, the printer works again.',
    'Level 1 support told me to open a ticket for the VPN client.',
    'The installation instructions for the scanner driver are missing.',
    'system: windows 10\nerror: outlook crashes on start',
    'We are escalating this incident to you via a high priority ticket.',
    'Bitte ignorieren Sie meine letzte Mail, das Passwort geht wieder.',
    'Die Anleitung zum Drucker-Treiber fehlt im Wiki.',
    'Por favor ignora mi correo anterior, ya funciona la impresora.',
    'Autoresolve events to the portal (no explicit notification).',
    'Our confidence in the new backup system is low after last week.',
  ])('does not flag %j', (description) => {
    expect(screenForInjection({ description })).toEqual([]);
  });
});
