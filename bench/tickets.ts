/**
 * Ticket texts for load: a help-desk mix, roughly 60 % first-level problems (the kind the model may
 * answer from the knowledge base), 30 % level 2 and 10 % level 3. Written for the benchmark.
 */
export interface TicketText {
  subject: string;
  description: string;
  /** The level a person would give it (for reading the results, not used by the product). */
  expected: 1 | 2 | 3;
}

export const ticketTexts: TicketText[] = [
  {
    expected: 1,
    subject: 'Forgot my password',
    description: "I forgot my password and can't log in to my laptop this morning.",
  },
  {
    expected: 1,
    subject: 'Account locked',
    description:
      'My account is locked after I typed the wrong password too many times. How do I unlock it?',
  },
  {
    expected: 1,
    subject: 'Password expired',
    description:
      'Windows says my password has expired and I need to change it, but the change screen gives an error.',
  },
  {
    expected: 1,
    subject: 'New phone for MFA',
    description:
      'I got a new phone and the authenticator app no longer has my account. I cannot approve the sign-in prompt.',
  },
  {
    expected: 1,
    subject: 'MFA prompts keep coming',
    description: 'The multi-factor prompt keeps asking me to approve sign-ins every few minutes.',
  },
  {
    expected: 1,
    subject: 'VPN will not connect',
    description:
      'The VPN client says connection failed when I work from home. Internet works fine otherwise.',
  },
  {
    expected: 1,
    subject: 'VPN disconnects',
    description: 'VPN drops every 10 minutes on my home wifi and I have to reconnect.',
  },
  {
    expected: 1,
    subject: 'Outlook not syncing',
    description: 'Outlook stopped receiving new emails since yesterday, webmail shows them though.',
  },
  {
    expected: 1,
    subject: 'Shared calendar',
    description: "How do I open my manager's shared calendar in Outlook?",
  },
  {
    expected: 1,
    subject: 'Email signature',
    description: 'How can I add the company email signature with my phone number in Outlook?',
  },
  {
    expected: 1,
    subject: 'Printer offline',
    description: 'The printer on floor 3 shows offline and my documents stay in the queue.',
  },
  {
    expected: 1,
    subject: 'Add printer',
    description: 'I moved desks and need to add the network printer near the kitchen to my laptop.',
  },
  {
    expected: 1,
    subject: 'Wi-Fi password',
    description: 'What is the guest wifi password for a visitor in meeting room B?',
  },
  {
    expected: 1,
    subject: 'Wi-Fi keeps dropping',
    description: 'My laptop keeps dropping the office wifi connection several times an hour.',
  },
  {
    expected: 1,
    subject: 'Install software',
    description:
      'I need Visual Studio Code installed on my work laptop, how do I request software?',
  },
  {
    expected: 1,
    subject: 'Browser certificate warning',
    description: 'Chrome shows a certificate warning when I open the intranet page.',
  },
  {
    expected: 1,
    subject: 'Clear browser cache',
    description:
      'The timesheet site shows an old version of the page; a colleague said to clear the cache.',
  },
  {
    expected: 1,
    subject: 'Disk full',
    description:
      'My laptop says the disk is almost full and it has become slow. How can I free space?',
  },
  {
    expected: 1,
    subject: 'Restore deleted file',
    description: 'I deleted a spreadsheet from my desktop by mistake yesterday, can I get it back?',
  },
  {
    expected: 1,
    subject: 'Bluetooth mouse',
    description: 'My bluetooth mouse does not pair with the laptop anymore after an update.',
  },
  {
    expected: 1,
    subject: 'Teams camera',
    description: 'My camera does not work in Teams meetings but works in the camera app.',
  },
  {
    expected: 1,
    subject: 'Second monitor',
    description: 'The second monitor stays black when I connect the laptop to the dock.',
  },
  {
    expected: 2,
    subject: 'ERP error on invoice posting',
    description:
      'Posting invoices in the ERP fails with error 5021 for the whole finance team since the update.',
  },
  {
    expected: 2,
    subject: 'Access to finance share',
    description:
      'I need read access to the finance share \\\\fs01\\finance for the quarterly audit, approved by my manager.',
  },
  {
    expected: 2,
    subject: 'CRM reports empty',
    description: 'All reports in the CRM are empty since this morning although data exists.',
  },
  {
    expected: 2,
    subject: 'Mailbox migration',
    description: 'My mailbox was migrated and now half of my folders are missing.',
  },
  {
    expected: 2,
    subject: 'Laptop replacement',
    description:
      'The hinge of my laptop broke and the screen flickers; I need a replacement device.',
  },
  {
    expected: 2,
    subject: 'Database permissions',
    description:
      'Our reporting service account lost SELECT permission on the sales database after the weekend change.',
  },
  {
    expected: 2,
    subject: 'Group policy',
    description: 'A new group policy blocks the USB scanner we need at the reception desk.',
  },
  {
    expected: 2,
    subject: 'SSO for a new app',
    description: 'We bought a new HR tool and need single sign-on configured for 40 users.',
  },
  {
    expected: 2,
    subject: 'License count',
    description:
      'We are out of design software licenses, three new hires cannot start the application.',
  },
  {
    expected: 3,
    subject: 'Datacenter network down',
    description: 'The whole datacenter network is down, no server responds.',
  },
  {
    expected: 3,
    subject: 'Possible breach',
    description:
      'Several users report phishing emails sent from our CEO account; we may have a compromised mailbox.',
  },
  {
    expected: 3,
    subject: 'Storage array failure',
    description:
      'The SAN shows two failed disks in the same RAID group and the ERP database is read-only.',
  },
  {
    expected: 3,
    subject: 'Ransomware note',
    description:
      'Files on the shared drive are renamed with .locked and there is a ransom note in every folder.',
  },
];

/** A text with small variations so that requests are not byte-identical. */
export function ticketBody(i: number): {
  subject: string;
  description: string;
  requester: { email: string; name: string };
} {
  const t = ticketTexts[i % ticketTexts.length]!;
  return {
    subject: t.subject,
    description: i % 3 === 0 ? t.description : `${t.description} (Ref ${1000 + (i % 9000)})`,
    requester: { email: `employee${i % 5000}@example.com`, name: `Employee ${i % 5000}` },
  };
}
