// The standard objects ferry's emulator always has, with the fields a Heroku Connect style sync typically
// maps. User exists so OwnerId/CreatedById resolve (Owner.Name); PushTopic so the streaming surface can be
// configured through the API exactly as in a real org.
import { field, object, type EmulatorObjectDef } from './field-defs.js';

const INDUSTRIES = ['Agriculture', 'Banking', 'Biotechnology', 'Construction', 'Education', 'Energy', 'Healthcare', 'Media', 'Retail', 'Technology'];
const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'];
const RATINGS = ['Hot', 'Warm', 'Cold'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'];

const address = (prefix: string) => [
  field({ name: `${prefix}Street`, type: 'textarea', length: 255, filterable: true, sortable: true }),
  field({ name: `${prefix}City`, type: 'string', length: 40 }),
  field({ name: `${prefix}State`, type: 'string', length: 80 }),
  field({ name: `${prefix}PostalCode`, type: 'string', length: 20 }),
  field({ name: `${prefix}Country`, type: 'string', length: 80 }),
];

export function standardObjects(): EmulatorObjectDef[] {
  return [
    object({
      name: 'User', keyPrefix: '005', fields: [
        field({ name: 'Username', type: 'string', length: 80, required: true, unique: true }),
        field({ name: 'FirstName', type: 'string', length: 40 }),
        field({ name: 'LastName', type: 'string', length: 80, required: true }),
        field({ name: 'Name', type: 'string', length: 121, createable: false, updateable: false, calculated: true }),
        field({ name: 'Email', type: 'email', required: true }),
        field({ name: 'Alias', type: 'string', length: 8 }),
        field({ name: 'IsActive', type: 'boolean', label: 'Active' }),
      ],
    }),
    object({
      name: 'Account', keyPrefix: '001', owner: true, fields: [
        field({ name: 'Name', type: 'string', required: true, label: 'Account Name' }),
        field({ name: 'AccountNumber', type: 'string', length: 40 }),
        field({ name: 'Type', type: 'picklist', picklist: ACCOUNT_TYPES }),
        field({ name: 'Industry', type: 'picklist', picklist: INDUSTRIES }),
        field({ name: 'Rating', type: 'picklist', picklist: RATINGS, restrictedPicklist: true }),
        field({ name: 'ParentId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Parent' }),
        field({ name: 'Phone', type: 'phone' }),
        field({ name: 'Fax', type: 'phone' }),
        field({ name: 'Website', type: 'url' }),
        field({ name: 'AnnualRevenue', type: 'currency' }),
        field({ name: 'NumberOfEmployees', type: 'int', precision: 8 }),
        field({ name: 'Description', type: 'textarea' }),
        ...address('Billing'),
        ...address('Shipping'),
      ],
    }),
    object({
      name: 'Contact', keyPrefix: '003', owner: true, fields: [
        field({ name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' }),
        field({ name: 'Salutation', type: 'picklist', picklist: SALUTATIONS, length: 40 }),
        field({ name: 'FirstName', type: 'string', length: 40 }),
        field({ name: 'LastName', type: 'string', length: 80, required: true }),
        field({ name: 'Name', type: 'string', length: 121, createable: false, updateable: false, calculated: true, label: 'Full Name' }),
        field({ name: 'Title', type: 'string', length: 128 }),
        field({ name: 'Email', type: 'email' }),
        field({ name: 'Phone', type: 'phone' }),
        field({ name: 'MobilePhone', type: 'phone' }),
        field({ name: 'Birthdate', type: 'date' }),
        field({ name: 'LeadSource', type: 'picklist', picklist: LEAD_SOURCES }),
        field({ name: 'HasOptedOutOfEmail', type: 'boolean', label: 'Email Opt Out' }),
        field({ name: 'Description', type: 'textarea' }),
        ...address('Mailing'),
      ],
    }),
    object({
      name: 'Lead', keyPrefix: '00Q', owner: true, fields: [
        field({ name: 'FirstName', type: 'string', length: 40 }),
        field({ name: 'LastName', type: 'string', length: 80, required: true }),
        field({ name: 'Name', type: 'string', length: 121, createable: false, updateable: false, calculated: true }),
        field({ name: 'Company', type: 'string', required: true }),
        field({ name: 'Title', type: 'string', length: 128 }),
        field({ name: 'Email', type: 'email' }),
        field({ name: 'Phone', type: 'phone' }),
        field({ name: 'Status', type: 'picklist', picklist: LEAD_STATUSES, defaultedOnCreate: true, nillable: false }),
        field({ name: 'LeadSource', type: 'picklist', picklist: LEAD_SOURCES }),
        field({ name: 'Industry', type: 'picklist', picklist: INDUSTRIES }),
        field({ name: 'Rating', type: 'picklist', picklist: RATINGS }),
        field({ name: 'AnnualRevenue', type: 'currency' }),
        field({ name: 'NumberOfEmployees', type: 'int', precision: 8 }),
        field({ name: 'IsConverted', type: 'boolean', label: 'Converted', createable: true, updateable: false }),
        field({ name: 'Description', type: 'textarea' }),
      ],
    }),
    object({
      name: 'Opportunity', keyPrefix: '006', owner: true, labelPlural: 'Opportunities', fields: [
        field({ name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' }),
        field({ name: 'Name', type: 'string', length: 120, required: true }),
        field({ name: 'StageName', type: 'picklist', picklist: STAGES, required: true, label: 'Stage' }),
        field({ name: 'CloseDate', type: 'date', required: true }),
        field({ name: 'Amount', type: 'currency' }),
        field({ name: 'Probability', type: 'percent', precision: 3, scale: 0 }),
        field({ name: 'Type', type: 'picklist', picklist: ['Existing Business', 'New Business'] }),
        field({ name: 'LeadSource', type: 'picklist', picklist: LEAD_SOURCES }),
        field({ name: 'IsClosed', type: 'boolean', label: 'Closed', createable: false, updateable: false }),
        field({ name: 'IsWon', type: 'boolean', label: 'Won', createable: false, updateable: false }),
        field({ name: 'NextStep', type: 'string' }),
        field({ name: 'Description', type: 'textarea' }),
      ],
    }),
    object({
      name: 'PushTopic', keyPrefix: '0IF', fields: [
        field({ name: 'Name', type: 'string', length: 25, required: true, label: 'Topic Name' }),
        field({ name: 'Query', type: 'string', length: 1300, required: true, label: 'SOQL Query' }),
        field({ name: 'ApiVersion', type: 'double', precision: 18, scale: 1, required: true }),
        field({ name: 'IsActive', type: 'boolean', defaultedOnCreate: true }),
        field({ name: 'NotifyForOperationCreate', type: 'boolean' }),
        field({ name: 'NotifyForOperationUpdate', type: 'boolean' }),
        field({ name: 'NotifyForOperationDelete', type: 'boolean' }),
        field({ name: 'NotifyForOperationUndelete', type: 'boolean' }),
        field({ name: 'NotifyForFields', type: 'picklist', picklist: ['All', 'Referenced', 'Select', 'Where'], restrictedPicklist: true, defaultedOnCreate: true }),
        field({ name: 'Description', type: 'string', length: 400 }),
      ],
    }),
  ];
}

/** Defaults applied on create when the caller leaves these fields out (Salesforce's own defaults). */
export const CREATE_DEFAULTS: Record<string, Record<string, string | boolean>> = {
  User: { IsActive: true },
  Lead: { Status: 'Open - Not Contacted' },
  PushTopic: { IsActive: true, NotifyForOperationCreate: true, NotifyForOperationUpdate: true, NotifyForOperationDelete: true, NotifyForOperationUndelete: true, NotifyForFields: 'Referenced' },
};

/** Calculated Name fields: FirstName + LastName, as Salesforce composes them. */
export const COMPOSED_NAME_OBJECTS = new Set(['User', 'Contact', 'Lead']);
