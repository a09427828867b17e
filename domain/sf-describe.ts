// The slice of a Salesforce sObject describe that domain code reads. Declared here (not imported from jsforce
// or the emulator) so that domain stays free of I/O packages; jsforce's DescribeSObjectResult and the
// emulator's ObjectDef are both assignable to these shapes.

/** One field of `GET /sobjects/{T}/describe` (DescribeFieldResult), only what domain code needs. */
export interface SfFieldDescribe {
  name: string;
  /** Salesforce field type: id, string, textarea, reference, datetime, address, … */
  type: string;
  /** Maximum characters for text types; 0 for other types. */
  length?: number;
  externalId?: boolean;
  idLookup?: boolean;
  createable?: boolean;
  updateable?: boolean;
  nillable?: boolean;
  calculated?: boolean;
  filterable?: boolean;
  /** Set on components of compound fields (BillingStreet → "BillingAddress"). */
  compoundFieldName?: string | null;
}

/** An object describe (DescribeSObjectResult), only what domain code needs. */
export interface SfObjectDescribe {
  name: string;
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  queryable?: boolean;
  replicateable?: boolean;
  retrieveable?: boolean;
  fields: readonly SfFieldDescribe[];
}
