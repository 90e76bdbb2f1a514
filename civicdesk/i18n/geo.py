"""Strings of loading street boundaries (GeoJSON): the `civicdesk shapes import` command and the Data view's
uploader, with the reasons a feature is not matched; merged into `civicdesk.i18n.STRINGS`. Placeholders are
filled with `str.format`."""
from __future__ import annotations

GEO_STRINGS: dict[str, tuple[str, str]] = {
    # why a file or a feature is not taken (keys returned by civicdesk.geo)
    "geo_not_json": ("文件不是 JSON 格式", "the file is not JSON"),
    "geo_not_geojson": ("文件不是 GeoJSON（没有 FeatureCollection、Feature 或几何对象）",
                        "the file is not GeoJSON (no FeatureCollection, Feature or geometry)"),
    "geo_no_name": ("要素没有镇街名称属性", "the feature has no street name property"),
    "geo_unknown_street": ("名称与本中心的镇街都对不上", "the name matches none of the centre's streets"),
    "geo_duplicate": ("该镇街已有前面的要素匹配，此要素未用", "an earlier feature already matched this street"),
    "geo_not_polygon": ("几何类型不是面（Polygon 或 MultiPolygon）", "the geometry is not a Polygon or MultiPolygon"),
    "geo_bad_coordinates": ("坐标格式有误", "the coordinates are malformed"),
    "geo_empty": ("几何为空或面积为零", "the geometry is empty or has no area"),
    "geo_not_lonlat": ("坐标不是经纬度（须为 WGS84 经度、纬度，而非投影坐标）",
                       "the coordinates are not longitude and latitude (WGS84 is needed, not projected metres)"),
    "geo_invalid": ("多边形自相交或结构有误，无法自动修复", "the polygon intersects itself or is malformed beyond "
                    "a safe repair"),
    # what was done
    "geo_saved": ("已为 {n} 个镇街保存边界。", "Boundaries saved for {n} streets."),
    "geo_saved_none": ("没有要素能与镇街对应，未保存任何边界。", "No feature matched a street; no boundary was saved."),
    "geo_property": ("镇街名称取自要素属性“{prop}”。", "Street names were read from the feature property “{prop}”."),
    "geo_unmatched": ("以下 {n} 个要素未能使用：", "{n} features could not be used:"),
    "geo_unmatched_row": ("第 {index} 个要素（{name}）：{reason}", "feature {index} ({name}): {reason}"),
    "geo_unnamed": ("无名称", "no name"),
    "geo_cannot_read": ("无法读取 {file}：{reason}。未保存任何内容。", "Cannot read {file}: {reason}. Nothing was saved."),
    "geo_no_file": ("找不到文件 {file}。", "No such file: {file}."),
    # the Data view's uploader
    "geo_section": ("镇街边界（GeoJSON）", "Street boundaries (GeoJSON)"),
    "geo_intro": ("上传镇街边界 GeoJSON 文件后，总览页即可显示镇街地图。坐标须为 WGS84 经纬度；每个要素的某个属性"
                  "（如 name、名称、街道）写镇街名称或代码，系统按名称或代码与本中心的镇街对应，对应不上的要素会列出原因，"
                  "不会保存。",
                  "Upload the streets' boundaries as GeoJSON and the Overview shows the district map. Coordinates "
                  "must be WGS84 longitude and latitude; one property of each feature (such as "
                  "name) gives the street's name or code. Features are matched to the centre's streets by name or code; "
                  "those that do not match are listed with the reason and not saved."),
    "geo_upload": ("选择 GeoJSON 文件", "Choose a GeoJSON file"),
    "geo_name_property": ("镇街名称所在的属性（留空则自动识别）", "Property holding the street's name (blank: detect)"),
    "geo_save": ("保存边界", "Save the boundaries"),
    "geo_matched": ("{n} 个要素与镇街对应：{names}。", "{n} features match a street: {names}."),
    "geo_column_feature": ("要素序号", "Feature"),
    "geo_column_name": ("名称", "Name"),
    "geo_column_reason": ("原因", "Reason"),
}
