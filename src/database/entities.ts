import { Client } from '../clients/client.entity.js';
import { Consent } from '../consent/consent.entity.js';
import { SigningKey } from '../keys/signing-key.entity.js';
import { BackchannelDelivery } from '../sessions/backchannel-delivery.entity.js';
import { Session } from '../sessions/session.entity.js';
import { User } from '../users/user.entity.js';

/** Every entity, listed once for the data source and the migration generator. */
export const ENTITIES = [SigningKey, Client, User, Session, Consent, BackchannelDelivery];
