// The custom fields every benchmark object starts with: ten of the types a Heroku Connect mapping meets most.
// bench/emulator.ts's object has these; bench/scale.ts's adds ten more. bench/emulator.ts writes its insert
// CSV in this order.
export const ITEM_FIELDS = [
  { name: 'Code__c', type: 'string', length: 40, externalId: true, unique: true },
  { name: 'Title__c', type: 'string', length: 80 },
  { name: 'Amount__c', type: 'currency', precision: 16, scale: 2 },
  { name: 'Quantity__c', type: 'int', precision: 8 },
  { name: 'Score__c', type: 'double', precision: 10, scale: 4 },
  { name: 'Active__c', type: 'boolean' },
  { name: 'Status__c', type: 'picklist', picklist: ['New', 'Open', 'Closed'] },
  { name: 'Due_On__c', type: 'date' },
  { name: 'Email__c', type: 'email' },
  { name: 'City__c', type: 'string', length: 40 },
];
