import { otherMethods, route } from "@/lib/api/http";
import { deviceParams, setDeviceBody } from "@/lib/api/schemas/admin";
import { setDeviceDisabled } from "@/lib/services/devices";

/** PATCH /api/v1/admin/devices/:deviceId {disabled} → {device}: take one device out of service, or back in. */
export const PATCH = route({ auth: "admin", params: deviceParams, body: setDeviceBody }, async ({ db, principal, params, body }) => ({
  device: await setDeviceDisabled(db, principal, { id: params.deviceId, disabled: body.disabled }),
}));

export const { GET, HEAD, OPTIONS, POST, PUT, DELETE } = otherMethods({ PATCH });
