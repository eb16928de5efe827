-- Deliveries older than TRIGGER_DELIVERY_RETENTION_DAYS are deleted hourly (server/triggers/deliver.ts pruneDeliveries).
CREATE INDEX "trigger_delivery_receivedAt_idx" ON "trigger_delivery"("receivedAt");
